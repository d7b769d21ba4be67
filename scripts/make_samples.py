#!/usr/bin/env python3
"""Synthesises the small colour "photos" committed in tests/data/ (no real photos are
committed: the data pack's terms forbid it). A procedural landscape: sky gradient, sun,
hills with grass texture, trees, a red barn, a lake. Different seeds give different scenes
with the same kinds of content, so one can serve as exemplar reference for another.

Usage: /usr/bin/python3 scripts/make_samples.py [OUT_DIR]   (default tests/data)
"""
import os
import sys

import numpy as np
from PIL import Image, ImageFilter


def smooth_noise(rng, h, w, scale):
    small = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img, np.float32) / 255.0


def landscape(seed, w=640, h=426):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    # sky: deep blue at the top to pale near the horizon
    t = (yy / h)[..., None]
    img[:] = (1 - t) * np.array([60, 110, 200]) + t * np.array([200, 220, 240])
    clouds = smooth_noise(rng, h, w, 40)
    img += (np.clip(clouds - 0.55, 0, 1) * 400)[..., None] * np.array([1, 1, 1]) * (yy < h * 0.5)[..., None]
    # sun
    sx, sy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.08, 0.25) * h
    sun = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * (h * 0.04) ** 2))
    img = img * (1 - sun[..., None]) + sun[..., None] * np.array([255, 240, 180])
    # hills
    horizon = h * rng.uniform(0.45, 0.6)
    phase = rng.uniform(0, 6.28)
    hill = horizon + h * 0.06 * np.sin(xx / w * 6.28 * rng.uniform(0.8, 1.6) + phase)
    grass_tex = smooth_noise(rng, h, w, 3)
    ground = yy > hill
    green = np.stack([50 + 60 * grass_tex, 110 + 70 * grass_tex, 40 + 30 * grass_tex], -1)
    img[ground] = green[ground]
    # lake in the lower part, reflecting the sky
    lake = (yy > h * 0.78) & (np.abs(xx - w * rng.uniform(0.3, 0.7)) < w * 0.25 - (yy - h * 0.78) * 0.3)
    ripples = smooth_noise(rng, h, w, 6)
    img[lake] = (np.array([70, 120, 190]) * (0.8 + 0.3 * ripples[..., None]))[lake]
    # trees: brown trunks, dark green crowns
    for _ in range(rng.integers(3, 7)):
        tx = rng.uniform(0.05, 0.95) * w
        base = hill[0, int(tx)] + rng.uniform(5, 40)
        th = rng.uniform(0.12, 0.22) * h
        trunk = (np.abs(xx - tx) < w * 0.008) & (yy < base) & (yy > base - th)
        img[trunk] = [100, 70, 40]
        crown = ((xx - tx) ** 2 / (w * 0.04) ** 2 + (yy - (base - th)) ** 2 / (h * 0.09) ** 2) < 1
        leaf = smooth_noise(rng, h, w, 2)
        img[crown] = np.stack([30 + 40 * leaf, 90 + 60 * leaf, 30 + 20 * leaf], -1)[crown]
    # a red barn with a white door
    bx, bw = rng.uniform(0.15, 0.7) * w, w * 0.14
    by = hill[0, int(bx)] + 10
    barn = (xx > bx) & (xx < bx + bw) & (yy > by - h * 0.14) & (yy < by)
    img[barn] = [170, 35, 30]
    roof = (yy < by - h * 0.14) & (yy > by - h * 0.14 - (bw / 2 - np.abs(xx - bx - bw / 2)) * 0.6) & (xx > bx) & (xx < bx + bw)
    img[roof] = [70, 60, 60]
    door = (np.abs(xx - bx - bw / 2) < bw * 0.12) & (yy > by - h * 0.08) & (yy < by)
    img[door] = [235, 235, 225]
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(0.6))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data")
    os.makedirs(out_dir, exist_ok=True)
    target = landscape(7)
    reference = landscape(11)
    target.save(os.path.join(out_dir, "landscape.jpg"), quality=90)
    target.convert("L").save(os.path.join(out_dir, "landscape-grey.jpg"), quality=90)
    reference.save(os.path.join(out_dir, "landscape-reference.jpg"), quality=90)
    # a small evaluation set: colour photos for `colorize --eval`
    eval_dir = os.path.join(out_dir, "eval")
    os.makedirs(eval_dir, exist_ok=True)
    for seed in (21, 22, 23, 24):
        landscape(seed, 192, 128).save(os.path.join(eval_dir, f"scene-{seed}.jpg"), quality=90)


if __name__ == "__main__":
    main()
