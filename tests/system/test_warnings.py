"""Domain-level warnings: what is wrong with the MX record set itself."""


def test_duplicate_mx_records_are_merged_and_said(run_fault):
    r = run_fault("-j", "dups.fault.test")
    assert r.rc == 0, r
    (d,) = r.json()
    assert d["warnings"] == ["duplicate-mx"]
    assert [e["exchange"] for e in d["exchanges"]] == ["dupa.fault.test."]
    t = run_fault("dups.fault.test")
    assert t.out.splitlines()[0] == (
        "dups.fault.test.  1 exchange (duplicate MX records merged)")


def test_no_warning_on_a_clean_set(run):
    (d,) = run("-j", "cisco.com").json()
    assert d["warnings"] == []
