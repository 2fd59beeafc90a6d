

def describe():
    return "@@feat@@: batches of %d" % @@const@@
