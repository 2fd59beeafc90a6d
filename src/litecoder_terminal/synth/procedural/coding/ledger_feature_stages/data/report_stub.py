

def @@sig@@:
    """Not implemented yet (see the ticket)."""
    raise NotImplementedError
