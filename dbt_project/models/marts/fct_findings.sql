-- One row per finding of a loaded JTAI letter or area SEND report, in document order: strengths, headline
-- and main findings, an old JTAI letter's areas for improvement as written, and what an area SEND
-- partnership needs to do better; each with the page and text it was read from.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

findings as (

    select * from {{ ref('stg_extracted__findings') }}

),

final as (

    select
        cast(
            findings.report_id || ':' || lpad(cast(findings.finding_number as varchar), 3, '0') as varchar
        ) as finding_id,
        cast(reports.report_id as varchar) as report_id,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.report_type as varchar) as report_type,
        cast(findings.finding_number as integer) as finding_number,
        cast(findings.finding_kind as varchar) as finding_kind,
        cast(findings.heading as varchar) as heading,
        cast(findings.finding_text as varchar) as finding_text,
        cast(findings.page_number as integer) as page_number,
        cast(findings.evidence as varchar) as evidence

    from findings
    inner join reports
        on findings.report_id = reports.report_id

)

select * from final
