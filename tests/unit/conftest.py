"""Unit tests that render and extract PDFs, or wait out extraction limits, are marked `slow`:
`make test-unit` leaves them out to stay under a minute; `make test` runs them all."""

import pytest

# whole modules, and single tests, that spend seconds each in reportlab, pdfminer or a time limit
SLOW_MODULES = {"test_pdf_text.py", "test_seed_layouts.py", "test_extract_limits.py", "test_run_history.py"}
SLOW_TESTS = {
    "test_a_decompression_bomb_is_stopped_by_the_memory_cap_and_retried_once_it_is_raised",
    "test_a_pdf_over_the_time_limit_is_quarantined_and_retried_only_once_the_limit_is_raised",
    "test_every_bad_file_is_in_the_ledger_with_its_status_and_reason",
    "test_pdf_reports_have_realistic_page_counts",
    "test_a_slow_pdf_and_a_bomb_are_quarantined_and_the_rest_still_extract",
    "test_runs_queue_one_at_a_time",
    # a worker process ended or paused part-way through a real PDF, then the document read again
    "test_a_worker_paused_by_the_machine_past_the_timeout_is_not_charged_to_the_document",
    "test_a_worker_ended_by_a_signal_mid_document_is_retried_in_a_fresh_process_and_the_document_loads",
    "test_the_writer_waits_for_a_process_still_holding_the_file",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_MODULES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
