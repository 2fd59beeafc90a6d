

def test_symlinks_untouched():
    for link, target in EXP["links"].items():
        assert os.path.islink(link) and os.readlink(link) == target, link
    outside = os.stat(EXP["outside"])
    assert stat.S_IMODE(outside.st_mode) == 0o666, "a file outside the tree was changed through a symlink"
    assert owner(outside) == "root:root", "a file outside the tree was chowned through a symlink"
