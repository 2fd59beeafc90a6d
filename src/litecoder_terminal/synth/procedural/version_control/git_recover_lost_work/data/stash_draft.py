

def @@func@@(rows):
    """Draft: drop empty rows before export (not finished)."""
    return [r for r in rows if r]
