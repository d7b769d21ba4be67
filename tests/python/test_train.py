"""The training loop on a synthetic data pack: it runs, checkpoints, resumes where it stopped,
and fine-tuning (init_from) starts from another run's weights, or from an exported ONNX file."""
import functools
import io
import json
import os
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer.export import ExportModel, export_onnx
from colorizer.train import CONFIGS, load_checkpoint, net_from_checkpoint, train


def _image(seed, size=64):
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:size, 0:size]
    img = np.stack([128 + 100 * np.sin(x / (3.0 + seed) + seed), 128 + 90 * np.cos(y / 4.0),
                    np.full((size, size), 40.0 + 15 * seed)], -1)
    return np.clip(img + rng.randn(size, size, 3) * 4, 0, 255).astype(np.uint8)


def _tar(path, seeds):
    with tarfile.open(path, "w") as tf:
        for s in seeds:
            b = io.BytesIO()
            Image.fromarray(_image(s)).save(b, format="PNG")
            info = tarfile.TarInfo("cls%d/%04d.png" % (s % 3, s))
            info.size = len(b.getvalue())
            tf.addfile(info, io.BytesIO(b.getvalue()))


@pytest.fixture
def pack(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "val").mkdir()
    _tar(tmp_path / "train" / "places-00.tar", range(8))
    _tar(tmp_path / "val" / "places-val.tar", range(20, 24))
    return tmp_path


def _cfg(**kw):
    cfg = dict(CONFIGS["cpu"])
    cfg.update(threads=1, batch=2, working_size=32, crop_sizes=[32], crop_probs=[1.0],
               pool_weights={}, pretrained=False, warmup=2, max_steps=3, max_minutes=10.0,
               val_every=2, val_images=4, val_bsds=0, ckpt_every=1, log_every=1,
               patience=100, prior_images=4, width=0.25)
    cfg.update(kw)
    return cfg


def _run(pack, name, **kw):
    run_dir = str(pack / "runs" / name)
    shards = [str(pack / "train" / "places-00.tar")]
    history = train(_cfg(**kw), run_dir, shards, str(pack), weights_path=None, cache_dir=None)
    return run_dir, history


def test_trains_checkpoints_and_resumes(pack):
    run_dir, history = _run(pack, "a", max_steps=3)
    ck = load_checkpoint(os.path.join(run_dir, "last.pt"))
    assert ck["step"] == 3 and ck["images_seen"] == 6
    assert [h["step"] for h in history] == [2, 3]
    assert all(np.isfinite(h["val_loss"]) for h in history)
    assert os.path.exists(os.path.join(run_dir, "best.pt"))
    # the same command with a larger budget continues from step 3, not from 0
    _, history = _run(pack, "a", max_steps=5)
    assert load_checkpoint(os.path.join(run_dir, "last.pt"))["step"] == 5
    assert [h["step"] for h in history] == [2, 3, 4, 5]
    with open(os.path.join(run_dir, "log.txt")) as f:
        assert "resumed at step 3" in f.read()


def test_init_from_copies_weights_and_starts_a_fresh_schedule(pack):
    src_dir, _ = _run(pack, "src", max_steps=2)
    src = load_checkpoint(os.path.join(src_dir, "last.pt"))["model"]
    dst_dir, _ = _run(pack, "ft", max_steps=0, init_from=os.path.join(src_dir, "last.pt"))
    dst = load_checkpoint(os.path.join(dst_dir, "last.pt"))
    assert dst["step"] == 0
    for k, v in src.items():
        assert torch.equal(v, dst["model"][k]), k
    # and without init_from the same seed gives different (fresh) weights
    fresh_dir, _ = _run(pack, "fresh", max_steps=0)
    fresh = load_checkpoint(os.path.join(fresh_dir, "last.pt"))["model"]
    assert any(not torch.equal(v, fresh[k]) for k, v in src.items())


def test_init_from_an_exported_file_gives_back_the_trained_logits(pack):
    """Checkpoints are not shipped: fine-tuning can start from the fp32 ONNX file. The batch
    norms come back folded into the convs, the head's 1/T and beta shift are undone (T, beta
    read from the manifest beside the file) and the prior is the one the file records (or is
    recomputed with prior_seed), so the rebuilt net gives the logits of the net that was
    exported; runs from it stay folded."""
    src_dir, _ = _run(pack, "src", max_steps=2)
    src = net_from_checkpoint(load_checkpoint(os.path.join(src_dir, "last.pt"))).eval()
    with torch.no_grad():  # BN statistics away from the identity, so folding matters
        for m in src.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    models = pack / "models"
    models.mkdir()
    T, beta = 0.3, 0.4
    export_onnx(ExportModel(src, temperature=T, prior_correction=beta),
                str(models / "m-fp32.onnx"), size=32)
    with open(models / "manifest.json", "w") as f:
        json.dump({"models": [{"file": "m-fp32.onnx", "temperature": T,
                               "prior_correction": beta}]}, f)
    ft_dir, _ = _run(pack, "ft", max_steps=0, seed=7, prior_seed=CONFIGS["cpu"]["seed"],
                     init_from=str(models / "m-fp32.onnx"))
    ck = load_checkpoint(os.path.join(ft_dir, "last.pt"))
    assert ck["cfg"]["folded_bn"] and ck["step"] == 0
    net = net_from_checkpoint(ck).eval()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert torch.equal(net.prior_w, src.prior_w)
    torch.manual_seed(3)
    L = torch.rand(2, 1, 64, 32) * 100
    hab = torch.randn(2, 2, 64, 32) * 20
    hm = (torch.rand(2, 1, 64, 32) > 0.9).float()
    with torch.no_grad():
        want, got = src.logits(L, hab * hm, hm), net.logits(L, hab * hm, hm)
    assert want.abs().max() > 0.1
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)
    # the file records the prior it was trained with: without prior_seed that one is used
    meta_dir, _ = _run(pack, "meta", max_steps=0, seed=7, init_from=str(models / "m-fp32.onnx"))
    meta = net_from_checkpoint(load_checkpoint(os.path.join(meta_dir, "last.pt"))).eval()
    assert torch.equal(meta.prior_w, src.prior_w)
    with torch.no_grad():
        torch.testing.assert_close(meta.logits(L, hab * hm, hm), want, atol=1e-4, rtol=1e-4)
    # a run from that run's checkpoint keeps the folded shape, and trains
    ft2_dir, history = _run(pack, "ft2", max_steps=2, init_from=os.path.join(ft_dir, "last.pt"))
    assert load_checkpoint(os.path.join(ft2_dir, "last.pt"))["cfg"]["folded_bn"]
    assert all(np.isfinite(h["val_loss"]) for h in history)


def _step1_loss(pack, name):
    """The loss a run logged at step 1 (log_every=1)."""
    with open(os.path.join(str(pack / "runs" / name), "log.txt")) as f:
        return float(f.read().split("step 1 loss ")[1].split()[0])


def test_regression_term_on_the_shipped_decoding_trains(pack):
    """reg_weight with reg_temperature / reg_beta: the smooth-L1 term acts on
    softmax((z - beta log w) / T); it adds to the logged loss and training stays finite."""
    _, plain = _run(pack, "plain", max_steps=2, log_every=1)
    _, hist = _run(pack, "reg", max_steps=2, log_every=1, reg_weight=1.0, reg_temperature=0.2,
                   reg_beta=0.3)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    # same seed, same first batch: the term adds to the loss
    assert _step1_loss(pack, "reg") > _step1_loss(pack, "plain")


def test_wrong_colour_penalties_and_training_with_them(pack):
    """The wrong-colour term is 0 for the true hue at any chroma, grows with the hue error and
    with colour on a neutral truth; confident_colour adds the missing chroma; as reg_kind
    each adds to the loss and trains."""
    from colorizer.losses import wrong_colour_penalty
    t = torch.tensor([30.0, 10.0]).view(1, 2, 1, 1)
    assert float(wrong_colour_penalty(t * 0.3, t)) < 1e-6
    assert float(wrong_colour_penalty(t * 2.0, t)) < 1e-6
    opposite, quarter = float(wrong_colour_penalty(-t, t)), float(
        wrong_colour_penalty(torch.tensor([-10.0, 30.0]).view(1, 2, 1, 1), t))
    assert abs(opposite - 3.1623) < 1e-3 and abs(quarter - 1.5811) < 1e-3
    grey = torch.tensor([2.0, -3.0]).view(1, 2, 1, 1)
    assert abs(float(wrong_colour_penalty(t, grey)) - 3.1623) < 1e-3
    # confident_colour adds the chroma missing along the true hue: grey costs |t|, the
    # opposite hue 3 |t|, the true hue at or above the true chroma nothing
    from colorizer.losses import confident_colour_penalty
    t = torch.tensor([30.0, 40.0]).view(1, 2, 1, 1)
    assert [round(float(confident_colour_penalty(x, t)), 4) for x in (t * 0, -t, t, 2 * t, t / 2)] \
        == [5.0, 15.0, 0.0, 0.0, 2.5]
    assert abs(float(confident_colour_penalty(t, grey)) - 5.0) < 1e-4  # as wrong_colour there
    with pytest.raises(ValueError):
        _run(pack, "badkind", max_steps=1, reg_weight=1.0, reg_kind="l2")
    _, plain = _run(pack, "plain-w", max_steps=2, log_every=1)
    _, hist = _run(pack, "wrong", max_steps=2, log_every=1, reg_weight=1.0, reg_kind="wrong_colour",
                   reg_temperature=0.2, reg_beta=0.3)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    read = functools.partial(_step1_loss, pack)
    assert read("wrong") > read("plain-w")
    _, hist = _run(pack, "conf", max_steps=2, log_every=1, reg_weight=1.0,
                   reg_kind="confident_colour", reg_temperature=0.2, reg_beta=0.3)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    assert read("conf") > read("wrong")  # the missing-chroma part adds to the same first batch


def test_cast_penalty_and_training_with_it(pack):
    """The cast term sees only the picture's mean colour: a uniform tint costs its size,
    errors that cancel over the picture cost nothing; cast_weight adds it to the loss on
    its own or beside a reg_kind term, and training stays finite."""
    from colorizer.losses import cast_penalty
    torch.manual_seed(5)
    t = torch.randn(3, 2, 8, 8) * 20
    assert float(cast_penalty(t, t)) < 1e-6
    tint = torch.tensor([6.0, 8.0]).view(1, 2, 1, 1)        # |tint| = 10 ab = 1 unit
    assert abs(float(cast_penalty(t + tint, t)) - 1.0) < 1e-5
    swapped = t.clone()
    swapped[:, :, :4], swapped[:, :, 4:] = t[:, :, 4:], t[:, :, :4]   # same mean, wrong places
    assert float(cast_penalty(swapped, t)) < 1e-5
    assert float((swapped - t).abs().mean()) > 5.0
    read = functools.partial(_step1_loss, pack)
    _run(pack, "plain-cast", max_steps=2, log_every=1)
    _, hist = _run(pack, "cast", max_steps=2, log_every=1, cast_weight=1.0, reg_temperature=0.2,
                   reg_beta=0.3)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    assert read("cast") > read("plain-cast")  # same seed, same first batch: the term adds
    _run(pack, "conf-c", max_steps=2, log_every=1, reg_weight=1.0, reg_kind="confident_colour",
         reg_temperature=0.2, reg_beta=0.3)
    _, hist = _run(pack, "conf-cast", max_steps=2, log_every=1, reg_weight=1.0,
                   reg_kind="confident_colour", reg_temperature=0.2, reg_beta=0.3, cast_weight=1.0)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    assert read("conf-cast") > read("conf-c")


def test_decode_sweep_decodes_as_the_exported_graph(pack):
    """scripts/decode_sweep.py scores a T / beta decoding of cached logits exactly as the
    exported model (ExportModel) decodes, and runs its other decodings."""
    import subprocess
    import sys
    from colorizer import evaluate as ev
    _tar(pack / "val" / "bsds-val.tar", range(30, 32))
    run_dir, _ = _run(pack, "sweep", max_steps=2)
    ckpt = os.path.join(run_dir, "last.pt")
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "decode_sweep.py")
    decodings = [{"T": 0.3, "beta": 0.4}, {"T": 0.3, "beta": 0.4, "gate": [0.2, 0.6]},
                 {"T": 0.3, "beta": 0.4, "neutral_boost": 0.5, "also_size": 64},
                 {"T": 0.3, "beta": 0.4, "flip": True}]
    out = subprocess.run([sys.executable, script, "--ckpt", ckpt, "--data", str(pack),
                          "--places", "4", "--bsds", "2", "--working-size", "32",
                          "--decodings", json.dumps(decodings)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 4
    rgb, _ = ev.load_eval_set(str(pack), 4, 2)
    truth = ev.Truth(rgb)
    em = ExportModel(net_from_checkpoint(load_checkpoint(ckpt)).eval(), temperature=0.3,
                     prior_correction=0.4).eval()
    want = ev.summarize(ev.score(truth, ev.predict(em, truth.lab[..., 0], 32)))
    assert "PSNR %.3f " % want["psnr"] in out[0] and "dE2000 %.3f " % want["de2000"] in out[0]
    assert "wrong %.2f%%" % want["wrong_pct"] in out[0]
    # flip: the logits of the image and of its mirror (mirrored back), averaged
    from colorizer.losses import annealed_mean_rows
    net = net_from_checkpoint(load_checkpoint(ckpt)).eval()
    raw = ExportModel(net, temperature=1.0, prior_correction=0.0).eval().net
    L = truth.lab[..., 0]
    with torch.no_grad():
        z = 0.5 * (ev.predict(raw.logits, L, 32) +
                   ev.predict(raw.logits, L[..., ::-1].copy(), 32).flip(-1))
    ab = annealed_mean_rows(z - 0.4 * torch.log(net.prior_w).view(1, -1, 1, 1), net.bins, 0.3)
    want = ev.summarize(ev.score(truth, ab, with_ssim=False))
    assert "PSNR %.3f " % want["psnr"] in out[3] and "dE2000 %.3f " % want["de2000"] in out[3]
    assert out[3].split("PSNR")[1].split("[")[0] != out[0].split("PSNR")[1].split("[")[0]
    # cf: the beta that matches a colourfulness, found on these images and printed; its
    # figures are those of that beta as a plain decoding; --by-source splits them
    out = subprocess.run([sys.executable, script, "--ckpt", ckpt, "--data", str(pack),
                          "--places", "4", "--bsds", "2", "--working-size", "32", "--by-source",
                          "--decodings", json.dumps([{"T": 0.3, "cf": 0.5}])],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 3 and out[1].lstrip().startswith("bsds (2)") and "places (4)" in out[2]
    beta = float(out[0].split("(beta ")[1].split(")")[0])
    ab = annealed_mean_rows(ev.predict(raw.logits, L, 32)
                            - beta * torch.log(net.prior_w).view(1, -1, 1, 1), net.bins, 0.3)
    rows = ev.score(truth, ab, with_ssim=False)
    want = ev.summarize(rows)
    assert "PSNR %.3f " % want["psnr"] in out[0] and "CF ratio %.3f " % want["cf_ratio"] in out[0]
    want = ev.summarize(rows[4:])  # load_eval_set: places first, then bsds
    assert "PSNR %.3f " % want["psnr"] in out[1] and "dE2000 %.3f " % want["de2000"] in out[1]


def test_auxiliary_classifier_trains_resumes_and_stays_out_of_the_model(pack):
    """cls_weight > 0: the members' class folders label the images, a training-only head on
    the global context vector adds its cross entropy to the loss; the head is saved beside
    the model (resume continues it), the model's own weights keep their shape."""
    _, _ = _run(pack, "plain-c", max_steps=2, log_every=1)
    run_dir, hist = _run(pack, "cls", max_steps=2, log_every=1, cls_weight=0.5)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    log = open(os.path.join(run_dir, "log.txt")).read()
    assert "auxiliary classifier: 3 classes" in log and "class acc" in log
    read = functools.partial(_step1_loss, pack)
    assert read("cls") > read("plain-c")  # same seed, same first batch: the term adds
    ck = load_checkpoint(os.path.join(run_dir, "last.pt"))
    assert ck["aux_classes"] == ["places:cls0", "places:cls1", "places:cls2"]
    assert ck["aux"]["weight"].shape[0] == 3
    plain = load_checkpoint(os.path.join(str(pack / "runs" / "plain-c"), "last.pt"))
    assert set(ck["model"]) == set(plain["model"]) and plain["aux"] is None
    net = net_from_checkpoint(ck).eval()
    L = torch.rand(1, 1, 32, 32) * 100
    z = torch.zeros(1, 2, 32, 32)
    logits, g = net.logits(L, z, z[:, :1], return_global=True)
    assert torch.equal(logits, net.logits(L, z, z[:, :1])) and g.shape == (1, net.global_channels())
    _, hist = _run(pack, "cls", max_steps=3, log_every=1, cls_weight=0.5)
    ck2 = load_checkpoint(os.path.join(run_dir, "last.pt"))
    assert ck2["step"] == 3 and not torch.equal(ck2["aux"]["weight"], ck["aux"]["weight"])
    assert "resumed at step 2" in open(os.path.join(run_dir, "log.txt")).read()


def test_eval_scores_any_shard_and_can_skip_near_grey_images(pack):
    """scripts/eval.py --shards scores training shards (to compare with validation images of
    the same kind) exactly as the validation path scores the same images; --skip-grey leaves
    out near-grey images before counting; --bsds 0 means no BSDS images, not all of them."""
    import subprocess
    import sys
    from colorizer import evaluate as ev
    _tar(pack / "val" / "bsds-val.tar", range(30, 32))
    shard = pack / "train" / "mixed-00.tar"
    with tarfile.open(shard, "w") as tf:
        for k, img in enumerate([_image(1), np.full((64, 64, 3), 120, np.uint8), _image(2),
                                 _image(3)]):
            b = io.BytesIO()
            Image.fromarray(img).save(b, format="PNG")
            info = tarfile.TarInfo("x/%d.png" % k)
            info.size = len(b.getvalue())
            tf.addfile(info, io.BytesIO(b.getvalue()))
    rgb, src = ev.load_shard_set([(str(shard), 3, 0, "mixed")])
    assert len(rgb) == 3 and src == ["mixed"] * 3 and (rgb[1] == 120).all()
    rgb_ng, _ = ev.load_shard_set([(str(shard), 3, 0, "mixed")], skip_grey=True)
    assert len(rgb_ng) == 3 and not (rgb_ng == 120).all(axis=(1, 2, 3)).any()
    assert np.array_equal(rgb_ng[2], ev.load_shard_set([(str(shard), 1, 3, "m")])[0][0])
    # with_names: each image's member name, after the skip and the near-grey filter
    _, _, members = ev.load_shard_set([(str(shard), 2, 1, "mixed")], skip_grey=True,
                                      with_names=True)
    assert members == ["x/2.png", "x/3.png"]
    _, src = ev.load_eval_set(str(pack), 2, 0)
    assert src == ["places", "places"]
    run_dir, _ = _run(pack, "evalshard", max_steps=2)
    ckpt = os.path.join(run_dir, "last.pt")
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "eval.py")
    out = subprocess.run([sys.executable, script, "--ckpt", ckpt, "--data", str(pack),
                          "--shards", str(shard), "--shard-images", "3", "--skip-grey",
                          "--temperatures", "0.3", "--betas", "0.4", "--working-size", "32",
                          "--no-greyscale"], capture_output=True, text=True, check=True).stdout
    assert "eval set: 3 images (3 mixed)" in out
    truth = ev.Truth(rgb_ng)
    em = ExportModel(net_from_checkpoint(load_checkpoint(ckpt)).eval(), temperature=0.3,
                     prior_correction=0.4).eval()
    want = ev.summarize(ev.score(truth, ev.predict(em, truth.lab[..., 0], 32, tone="stretch")))
    line = [x for x in out.splitlines() if x.startswith("ckpt")][0]
    assert "PSNR %.3f " % want["psnr"] in line and "dE2000 %.3f " % want["de2000"] in line


def test_matched_selection_scores_the_start_keeps_snapshots_and_the_best(pack):
    run_dir, history = _run(pack, "m", max_steps=4, select_on="matched", select_places=4,
                            select_skip_places=0, select_cf=0.5, val_at_start=True,
                            snapshots=True)
    assert [h["step"] for h in history] == [0, 2, 4]
    for h in history:
        assert all(np.isfinite(h["m_" + k]) for k in ("beta", "cf_ratio", "psnr", "de2000",
                                                       "wrong_pct"))
    snaps = sorted(os.listdir(os.path.join(run_dir, "snap")))
    assert snaps == ["step000000.pt", "step000002.pt", "step000004.pt"]
    # best.pt is the checkpoint with the lowest dE2000 at matched colourfulness (the default
    # select_metric), the starting weights included, whatever the loss did
    want = min(history, key=lambda h: h["m_de2000"])["step"]
    best = load_checkpoint(os.path.join(run_dir, "best.pt"))
    assert best["step"] == want
    snap = load_checkpoint(os.path.join(run_dir, "snap", "step%06d.pt" % want))
    for k, v in snap["model"].items():
        assert torch.equal(v, best["model"][k]), k
    with pytest.raises(ValueError):
        _run(pack, "bad", max_steps=1, select_on="matched", select_metric="ssim",
             select_places=4, select_skip_places=0)


def test_eval_set_reads_packed_zip_shards_and_needs_no_bsds_shard_for_none(tmp_path):
    """The validation images load the same from the data pack's tar and from a packed zip
    (what the GPU machine receives, and what select_on=matched scores there); asking for no
    BSDS images does not look for the BSDS shard."""
    import zipfile
    from colorizer import evaluate as ev
    (tmp_path / "tar" / "val").mkdir(parents=True)
    (tmp_path / "zip" / "val").mkdir(parents=True)
    _tar(tmp_path / "tar" / "val" / "places-val.tar", range(20, 23))
    with tarfile.open(tmp_path / "tar" / "val" / "places-val.tar") as tf, \
            zipfile.ZipFile(tmp_path / "zip" / "val" / "places-val.zip", "w") as zf:
        for m in tf.getmembers():
            zf.writestr(m.name, tf.extractfile(m).read())
    rgb_t, src = ev.load_eval_set(str(tmp_path / "tar"), 2, 0, skip_places=1)
    rgb_z, _ = ev.load_eval_set(str(tmp_path / "zip"), 2, 0, skip_places=1)
    assert src == ["places", "places"] and np.array_equal(rgb_t, rgb_z)
    with pytest.raises(FileNotFoundError):
        ev.load_eval_set(str(tmp_path / "zip"), 2, 1)


def test_validation_counts_the_global_units_that_fire(pack):
    # a ReLU unit of the global context vector that fires on no image passes nothing to the
    # fusion; validate() counts the live ones so a run shows when the branch has died
    from colorizer import bins as binsmod
    from colorizer.losses import GridLookup
    from colorizer.train import build_model, load_val, validate
    cfg = _cfg()
    model = build_model(cfg, binsmod.bins(), None, lambda *_: None)
    val_lab, val_rgb = load_val(str(pack), cfg, lambda *_: None)
    lookup = GridLookup(model.bins)
    first = model.global_fc[1]
    counts = []
    with torch.no_grad():
        for bias in (-1e6, 1e6):
            first.bias.fill_(bias)
            counts.append(validate(model, val_lab, val_rgb, lookup, cfg, "cpu")["global_live"])
        first.bias[:3] = -1e6  # three dead, the rest firing on every image
        v = validate(model, val_lab, val_rgb, lookup, cfg, "cpu")
    assert counts == [0, first.out_channels]
    assert (v["global_live"], v["global_units"]) == (first.out_channels - 3, first.out_channels)
    assert model.training  # validate hands the model back in training mode


def test_global_branch_gets_its_own_learning_rate_and_resumes(pack):
    run_dir, _ = _run(pack, "g", max_steps=2, global_lr=5e-3)
    ck = load_checkpoint(os.path.join(run_dir, "last.pt"))
    groups = ck["opt"]["param_groups"]
    net = net_from_checkpoint(ck)
    n_glob = len(list(net.global_fc.parameters()))
    assert len(groups) == 3 and groups[2]["base"] == 5e-3 and len(groups[2]["params"]) == n_glob
    assert len(groups[1]["params"]) == len(net.decoder_parameters()) - n_glob
    _, history = _run(pack, "g", max_steps=3, global_lr=5e-3)  # resumes with the same groups
    assert history[-1]["step"] == 3
    # without it, one rate for the whole decoder as before
    run_dir, _ = _run(pack, "h", max_steps=1)
    assert len(load_checkpoint(os.path.join(run_dir, "last.pt"))["opt"]["param_groups"]) == 2


def test_cast_remove_penalty_only_takes_colour_away(pack):
    """cast_kind=remove: the plain cast term's value, but its gradient reaches only pixels
    whose colour it would reduce; pixels painted grey, and colour pointing the way the mean
    must move, get none. A run with it is finite, and its first loss is the plain term's."""
    from colorizer.losses import cast_penalty, cast_remove_penalty
    t = torch.zeros(1, 2, 4, 4)
    t[:, 0] = 20.0                      # the truth: warm everywhere
    p = torch.zeros(1, 2, 4, 4)
    p[:, 0, :, :2] = 30.0               # warm (the right hue, more of it)
    p[:, 1, :, 2] = -20.0               # blue (wrong)
    p[:, 0, :, 3] = 0.0                 # grey
    p.requires_grad_(True)
    v = cast_remove_penalty(p, t)
    assert float(v) == pytest.approx(float(cast_penalty(p.detach(), t)))
    v.backward()
    g = p.grad[0]
    assert float(g[:, :, :2].abs().max()) == 0.0 and float(g[:, :, 3].abs().max()) == 0.0
    assert float(g[:, :, 2].abs().min()) > 0.0
    step = p.detach() - 100.0 * p.grad   # a descent step on the blue column lowers its chroma
    assert float(step[0, :, 0, 2].norm()) < float(p[0, :, 0, 2].detach().norm())
    p.grad = None
    cast_penalty(p, t).backward()       # the plain term would push the grey column too
    assert float(p.grad[0, :, :, 3].abs().min()) > 0.0
    read = functools.partial(_step1_loss, pack)
    _, hist = _run(pack, "cast-rm", max_steps=2, log_every=1, cast_weight=1.0,
                   cast_kind="remove", reg_temperature=0.2, reg_beta=0.3)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    _run(pack, "cast-mean", max_steps=2, log_every=1, cast_weight=1.0, reg_temperature=0.2,
         reg_beta=0.3)
    assert read("cast-rm") == pytest.approx(read("cast-mean"))  # same value at step 1
    with pytest.raises(ValueError):
        _run(pack, "cast-bad", max_steps=1, cast_weight=1.0, cast_kind="sideways")


def test_patch_critic_scores_patches_and_its_losses_point_the_right_way():
    """The critic: one logit per patch at a quarter of the grid; its loss is lower when it
    calls the truth real and the fake fake, and the colorizer's loss is lower when it is
    fooled. Neither loss steps the other side's weights: the critic's loss does not reach
    the fake, the colorizer's loss gives the fake a gradient."""
    from colorizer.adversarial import PatchCritic, colorizer_loss, critic_loss
    torch.manual_seed(0)
    critic = PatchCritic(8)
    L = torch.rand(2, 1, 32, 48) * 100
    real = torch.randn(2, 2, 32, 48) * 20
    fake = torch.zeros(2, 2, 32, 48, requires_grad=True)
    assert critic(L, real).shape == (2, 1, 8, 12)
    critic_loss(critic, L, real, fake).backward()
    assert fake.grad is None and critic.net[0].weight_orig.grad is not None
    colorizer_loss(critic, L, fake).backward()
    assert fake.grad is not None and float(fake.grad.abs().sum()) > 0

    class Fixed(torch.nn.Module):  # says "real" (+5) for chroma > 10, "fake" (-5) otherwise
        def forward(self, L, ab):
            return torch.where(ab.norm(dim=1, keepdim=True) > 10, 5.0, -5.0)
    judge = Fixed()
    grey = torch.zeros_like(real)
    vivid = torch.full_like(real, 30.0)
    assert float(critic_loss(judge, L, vivid, grey)) < float(critic_loss(judge, L, grey, vivid))
    assert float(colorizer_loss(judge, L, vivid)) < float(colorizer_loss(judge, L, grey))


def test_adversarial_term_trains_resumes_and_stays_out_of_the_model(pack):
    """adv_weight > 0: the critic trains beside the colorizer from the first step and joins
    the colorizer's loss from adv_start on; it is saved in the checkpoint (resume continues
    it, with its optimizer) and the model's own weights are the same set as without it."""
    _run(pack, "plain-adv", max_steps=2, log_every=1)
    run_dir, hist = _run(pack, "adv", max_steps=2, log_every=1, adv_weight=0.5, adv_channels=8,
                         adv_start=0)
    assert all(np.isfinite(h["val_loss"]) for h in hist)
    log = open(os.path.join(run_dir, "log.txt")).read()
    assert "adversarial term: PatchGAN critic" in log and "critic loss" in log
    read = functools.partial(_step1_loss, pack)
    assert read("adv") > read("plain-adv")  # same seed, same first batch: the term adds
    _run(pack, "adv-late", max_steps=2, log_every=1, adv_weight=0.5, adv_channels=8, adv_start=5)
    assert read("adv-late") == pytest.approx(read("plain-adv"))  # critic alone before adv_start
    ck = load_checkpoint(os.path.join(run_dir, "last.pt"))
    plain = load_checkpoint(os.path.join(str(pack / "runs" / "plain-adv"), "last.pt"))
    assert set(ck["model"]) == set(plain["model"]) and plain["critic"] is None
    assert ck["critic"] is not None and ck["critic_opt"]["state"]
    _run(pack, "adv", max_steps=3, log_every=1, adv_weight=0.5, adv_channels=8, adv_start=0)
    ck2 = load_checkpoint(os.path.join(run_dir, "last.pt"))
    assert ck2["step"] == 3
    assert not torch.equal(ck2["critic"]["net.0.weight_orig"], ck["critic"]["net.0.weight_orig"])
    assert "resumed at step 2" in open(os.path.join(run_dir, "log.txt")).read()
