

def test_suspicious_logins():
    rows = list(csv.reader(output(P["compromised"]).splitlines()))
    assert rows and rows[0] == ["ip", "user", "time"], rows[:1]
    assert [r for r in rows[1:] if r] == expected()[2]
