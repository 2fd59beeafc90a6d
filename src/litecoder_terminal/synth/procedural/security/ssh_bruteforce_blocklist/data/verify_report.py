

def test_offender_report():
    rows = list(csv.reader(output(P["report"]).splitlines()))
    assert rows and rows[0] == ["ip", "failures", "first_seen", "last_seen"], rows[:1]
    assert [r for r in rows[1:] if r] == expected()[1]
