#!/usr/bin/python3
"""Proof that the TFLite MobileNetV2 weights were read and placed right: classify ImageNet
photos from the data pack with the dequantized PyTorch network and compare with their labels.

The data pack has no ImageNet label file. The classifier's outputs are 1001 classes: 0 =
background, then the 1000 ILSVRC classes in sorted WordNet-id order. The hires shards hold
one photo per class for 970 of those classes (imagenet1k-sample/<wnid>_<words>.jpg), so the
photo at sorted position j has class index 1 + j + m_j, where m_j (0..30) counts the 30
absent classes sorted before it; m_j is recovered as the running median of (top-1 - 1 - j)
made non-decreasing. A mis-loaded network gives top-1 indices scattered over 1..1000.

  /usr/bin/python3 scripts/classify_check.py --data ../shared/data
"""
import argparse
import csv
import io
import os
import sys
import tarfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer.mobilenet import MobileNetV2, load_tflite_weights  # noqa: E402


def prep(img):
    """Centre crop 87.5 % (the usual ImageNet evaluation), 224 x 224, RGB in [-1, 1]."""
    w, h = img.size
    s = int(round(0.875 * min(w, h)))
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    a = np.asarray(img.resize((224, 224), Image.BILINEAR), np.float32)
    return torch.from_numpy(a / 128.0 - 1.0).permute(2, 0, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--weights", default="../shared/weights/mobilenet_v2_1.0_224_quant.tflite")
    ap.add_argument("--show", type=int, default=6)
    a = ap.parse_args()
    torch.set_num_threads(2)
    net = MobileNetV2()
    print("conv layers loaded:", load_tflite_weights(net, a.weights))
    net.eval()

    items = []
    tr = os.path.join(a.data, "train")
    for f in sorted(os.listdir(tr)):
        if not f.startswith("hires"):
            continue
        with tarfile.open(os.path.join(tr, f)) as tf:
            for m in tf:
                if m.name.startswith("imagenet1k-sample/"):
                    stem = os.path.splitext(os.path.basename(m.name))[0]
                    wnid, words = stem.split("_", 1)
                    img = Image.open(io.BytesIO(tf.extractfile(m).read())).convert("RGB")
                    items.append((wnid, words.replace("_", " "), prep(img)))
    items.sort(key=lambda t: t[0])
    x = torch.stack([t[2] for t in items])
    with torch.no_grad():
        prob = torch.cat([net(x[i:i + 32]).softmax(1) for i in range(0, len(x), 32)])
    top5 = prob.topk(5, dim=1).indices.numpy()
    n = len(items)
    j = np.arange(n)
    d = top5[:, 0] - 1 - j
    in_window = (d >= 0) & (d <= 1000 - n)
    dd = np.where(in_window, d, np.nan)
    m = np.array([np.nanmedian(dd[max(0, k - 15):k + 16]) if np.isfinite(dd[max(0, k - 15):k + 16]).any()
                  else 0 for k in range(n)])
    m = np.maximum.accumulate(np.round(np.nan_to_num(m)).astype(int)).clip(0, 1000 - n)
    true_idx = 1 + j + m
    top1 = (top5[:, 0] == true_idx).mean()
    top5acc = (top5 == true_idx[:, None]).any(1).mean()
    print("ImageNet sample photos: %d; top-1 inside the window of possible indices: %.1f %% "
          "(chance ~%.1f %%)" % (n, 100 * in_window.mean(), 100 * (1001 - n) / 1000))
    print("with the reconstructed index map: top-1 %.1f %%, top-5 %.1f %%" % (100 * top1, 100 * top5acc))
    names = {int(t): items[k][1] for k, t in enumerate(true_idx)}
    names[0] = "background"
    for k in np.linspace(0, n - 1, a.show).astype(int):
        print("  %s (%s): %s" % (items[k][1], items[k][0], "; ".join(
            "%s %.2f" % (names.get(int(c), "#%d" % c), prob[k, c]) for c in top5[k])))
    # Tiny ImageNet photos (64 px, upscaled): their wnid gives the class words.
    words = {}
    with open(os.path.join(a.data, "tinyimagenet-classes.tsv")) as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 2:
                words[row[0]] = row[1]
    wnid_idx = {items[k][0]: int(true_idx[k]) for k in range(n)}
    shown, hits, total = 0, 0, 0
    with tarfile.open(os.path.join(tr, "tinyimagenet-00.tar")) as tf:
        for mem in tf:
            wnid = mem.name.split("/")[0]
            if wnid not in wnid_idx:
                continue
            img = Image.open(io.BytesIO(tf.extractfile(mem).read())).convert("RGB")
            with torch.no_grad():
                p = net(prep(img)[None]).softmax(1)[0]
            t5 = p.topk(5).indices.tolist()
            hits += wnid_idx[wnid] in t5
            total += 1
            if shown < a.show:
                print("  tiny %s (%s): %s" % (words.get(wnid, "?").split(",")[0], wnid, "; ".join(
                    "%s %.2f" % (names.get(c, "#%d" % c), p[c]) for c in t5)))
                shown += 1
            if total >= 60:
                break
    print("Tiny ImageNet (64 px upscaled to 224): top-5 %.1f %% of %d" % (100 * hits / total, total))


if __name__ == "__main__":
    main()
