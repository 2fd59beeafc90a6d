"""@@Feat@@ support (see docs/@@feat@@.md)."""

@@const@@ = @@value@@


def plan_batches(items):
    """Split items into batches of @@const@@."""
    return [items[i:i + @@const@@] for i in range(0, len(items), @@const@@)]
