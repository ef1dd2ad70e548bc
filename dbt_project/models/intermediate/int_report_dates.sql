-- One row per loaded report: its own dates, where Ofsted's listing (audit.source_catalogue) knows the file,
-- and the one date to group and sort it by (report_date):
--   1. the event's own last day: the last day inspectors were on site (over every date window), or a
--      visit's last day;
--   2. else the letter's date (visit letters, joint targeted area inspection letters);
--   3. else the publication date, as the document prints it or else as Ofsted's listing gives it.
-- The catalogue row of a file is found by its content (source_sha256), else by where `make pull` saved it
-- (source_file); the same bytes listed under two links keep the first seen, so a report stays one row.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

date_windows as (

    select
        report_id,
        max(window_end_date) as last_window_end_date

    from {{ ref('stg_extracted__date_windows') }}
    group by report_id

),

visits as (

    select
        report_id,
        visit_end_date,
        letter_date

    from {{ ref('stg_extracted__visits') }}

),

joint_inspection_letters as (

    select
        report_id,
        letter_date

    from {{ ref('stg_extracted__joint_inspections') }}

),

catalogue as (

    select * from {{ ref('stg_audit__source_catalogue') }}

),

listed_by_content as (

    select
        source_sha256,
        source_url,
        publication_date

    from catalogue
    where source_sha256 is not null
    qualify row_number() over (
        partition by source_sha256
        order by catalogue_status = 'downloaded' desc, first_seen_at asc, source_url asc
    ) = 1

),

listed_by_path as (

    select
        source_file,
        source_url,
        publication_date

    from catalogue
    where source_file is not null
    qualify row_number() over (
        partition by source_file
        order by catalogue_status = 'downloaded' desc, first_seen_at asc, source_url asc
    ) = 1

),

dated as (

    select
        reports.report_id,
        reports.report_type,
        case
            when reports.report_type in {{ sql_in_list(var('visit_report_types')) }}
                then coalesce(visits.visit_end_date, reports.inspection_end_date, date_windows.last_window_end_date)
            -- greatest skips nulls, so either source suffices
            else greatest(reports.inspection_end_date, date_windows.last_window_end_date)
        end as event_end_date,
        coalesce(visits.letter_date, joint_inspection_letters.letter_date) as letter_date,
        reports.publication_date as printed_publication_date,
        coalesce(listed_by_content.publication_date, listed_by_path.publication_date) as listed_publication_date,
        coalesce(listed_by_content.source_url, listed_by_path.source_url) as source_url

    from reports
    left join date_windows
        on reports.report_id = date_windows.report_id
    left join visits
        on reports.report_id = visits.report_id
    left join joint_inspection_letters
        on reports.report_id = joint_inspection_letters.report_id
    left join listed_by_content
        on reports.source_sha256 = listed_by_content.source_sha256
    left join listed_by_path
        on reports.source_file = listed_by_path.source_file

),

final as (

    select
        report_id,
        event_end_date,
        letter_date,
        coalesce(printed_publication_date, listed_publication_date) as publication_date,
        case
            when printed_publication_date is not null then 'document'
            when listed_publication_date is not null then 'ofsted_listing'
        end as publication_date_source,
        source_url,
        coalesce(event_end_date, letter_date, printed_publication_date, listed_publication_date) as report_date,
        case
            when event_end_date is not null
                then
                    case
                        when report_type in {{ sql_in_list(var('visit_report_types')) }} then 'visit_end_date'
                        else 'inspection_end_date'
                    end
            when letter_date is not null then 'letter_date'
            when printed_publication_date is not null or listed_publication_date is not null
                then 'publication_date'
        end as report_date_source

    from dated

)

select * from final
