import glob


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def globber(pattern):
    return sorted(glob.glob(pattern))
