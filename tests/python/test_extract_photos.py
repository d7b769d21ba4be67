"""scripts/extract_photos.py: the photos written are the shard's members skip .. skip + n - 1,
counted as the evaluation reader counts them (undecodable and tiny members not counted),
byte for byte, with folder names flattened; a non-empty folder is refused."""
import io
import os
import sys
import tarfile

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import extract_photos  # noqa: E402
from colorizer.data import read_shard  # noqa: E402


def _jpeg(seed, size=(40, 40)):
    rng = np.random.RandomState(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.randint(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _shard(path, members):
    with tarfile.open(path, "w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_members_counted_as_the_evaluation_counts_them(tmp_path):
    members = [("a/0.jpg", _jpeg(0)), ("a/broken.jpg", b"not a jpeg"), ("b/1.jpg", _jpeg(1)),
               ("b/tiny.jpg", _jpeg(2, (20, 20))), ("c/2.jpg", _jpeg(3)), ("c/3.jpg", _jpeg(4))]
    shard = str(tmp_path / "x-val.tar")
    _shard(shard, members)
    out = str(tmp_path / "out")
    paths = extract_photos.extract(shard, 1, 2, out)
    assert [os.path.basename(p) for p in paths] == ["b_1.jpg", "c_2.jpg"]
    assert open(paths[0], "rb").read() == members[2][1]
    # the same images the evaluation reader gives as its 2nd and 3rd
    names, _ = read_shard(shard, skip_grey=False)
    assert names[1:3] == ["b/1.jpg", "c/2.jpg"]
    with pytest.raises(ValueError, match="not empty"):
        extract_photos.extract(shard, 0, 1, out)
