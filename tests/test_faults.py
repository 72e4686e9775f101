"""Telling a fault of the machine from a fault of the data (opcc.faults)."""

from __future__ import annotations

import errno

import duckdb
import pytest

from opcc.faults import as_machine_fault, machine_fault


@pytest.mark.parametrize(("exc", "what"), [
    (OSError(errno.ENOSPC, "No space left on device"), "disk full"),
    (duckdb.IOException('IO Error: Could not write file "raw.duckdb": No space left on device'), "disk full"),
    (duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB"), "memory exhausted"),
    (duckdb.OutOfMemoryException("Out of Memory Error: failed to offload data block (No space left on device)"),
     "disk full"),
    (MemoryError(), "memory exhausted"),
    (OSError(errno.EIO, "Input/output error"), "an I/O error"),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), "disk quota exceeded"),
])
def test_faults_of_the_machine_are_recognised(exc: BaseException, what: str) -> None:
    found = machine_fault(exc)
    assert found is not None and found[0] == what


@pytest.mark.parametrize("exc", [
    ValueError("could not convert string to float: 'abc'"),
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    duckdb.ConversionException("Conversion Error: Could not convert string 'x' to INT32"),
    duckdb.InvalidInputException("Invalid Input Error: CSV Error on Line: 2"),
    KeyError("Amount"),
])
def test_faults_of_the_data_are_not(exc: BaseException) -> None:
    assert machine_fault(exc) is None


def test_a_fault_raised_from_a_full_disk_is_found_through_its_cause() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("writing the temporary table failed") from inner
    except RuntimeError as outer:
        fault = as_machine_fault(outer, "loading transactions/spend.csv")
    assert fault is not None
    assert str(fault).startswith("disk full while loading transactions/spend.csv: free space, then rerun (")


def test_a_full_disk_in_dbts_output_is_the_machines_fault_and_a_failing_test_is_not() -> None:
    from opcc.faults import machine_fault_in

    assert machine_fault_in("12:48:01  Encountered an error:\n[Errno 28] No space left on device") == (
        "disk full", "free space, then rerun")
    assert machine_fault_in("IO Error: Could not write file \"nightly.duckdb\": No space left on device") == (
        "disk full", "free space, then rerun")
    assert machine_fault_in("12:48:01  Failure in test not_null_spend_transactions_fund_code") is None
