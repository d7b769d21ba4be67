"""Training loop: seeded, resumable, multi-scale, hint sampling, validation + early stopping.

Configs: "cpu" (Debian torch 1.13, 2 threads, fp32) and "gpu" (torch 2.x, one CUDA device,
bf16 autocast, <= 10 minutes). Every key can be overridden from the command line
(scripts/train.py --set key=value). A run lives in runs/<name>/: log.txt, config.json,
last.pt (every ckpt_every steps, for resuming), best.pt (best validation loss).

init_from: a checkpoint (runs/X/last.pt) or a shipped fp32 ONNX file (models/colorizer-fp32.onnx,
decoding settings from the manifest beside it): the weights to fine-tune. From an ONNX file the
net is rebuilt with its batch norms folded into the convs (cfg folded_bn, kept by every run that
starts from it); its rebalancing prior is the one the file records, or (older files, or
prior_seed given) recomputed from the data with prior_seed as the first run did.

global_lr: the global context branch's own learning rate (None: lr), e.g. for units revived
by scripts/revive_global.py, whose output weights start at zero.

cls_weight > 0 adds Iizuka et al.'s joint classification: a linear head (training only, never
exported; learning rate cls_lr) predicts each image's class (its places scene category or Tiny
ImageNet wnid, the shard member's folder) from the global context vector, and its cross
entropy times cls_weight joins the loss. Hires images carry no class and skip the term.

adv_weight > 0 adds an adversarial term (Nazeri et al., ChromaGAN): a PatchGAN critic
(colorizer/adversarial.py; training only, never exported, saved in the checkpoint) learns to
tell the true ab from the decoding the model ships with (reg_temperature, reg_beta), both with
L* at the logits' grid; from step adv_start on (the critic trains alone before that) the
colorizer's loss gains adv_weight x softplus(-D(fake)). The critic: Adam at adv_lr, betas
(0.5, 0.999), adv_channels wide, one step per colorizer step.
"""
import json
import math
import os
import time

import numpy as np
import torch

from . import bins as binsmod
from .data import (BatchSampler, centre_square, class_labels, load_shards, sample_hints,
                   val_shard)
from .color import srgb_to_lab
from .losses import (GridLookup, annealed_mean_rows, cast_penalty, cast_remove_penalty,
                     downsample_ab, rebalanced_ce, confident_colour_penalty,
                     wrong_colour_penalty)
from . import selection
from .evaluate import Truth, load_eval_set, predict
from .metrics import batch_psnr_cf
from .model import ColorNet, fold_bn
from .adversarial import PatchCritic, colorizer_loss, critic_loss

CONFIGS = {
    "cpu": dict(
        device="cpu", threads=2, amp=False, compile=False, decode_workers=1,
        batch=16, working_size=128, crop_sizes=[64, 96, 128], crop_probs=[0.75, 0.20, 0.05],
        scale_range=[0.8, 1.25], pool_weights={"hires": 2.0},
        lr=1e-3, encoder_lr=3e-4, weight_decay=1e-4, warmup=100,
        max_steps=100000, max_minutes=70.0,
        lam=0.5, temperature=0.38, reg_weight=0.0, hint_p_none=0.5,
        pretrained=True, width=1.0, freeze_until=13,
        val_every=250, val_images=128, val_bsds=16, ckpt_every=50, log_every=25,
        patience=6, seed=1234, prior_images=3000, init_from=None, model_out=None,
        channels_last=False, prior_seed=None, folded_bn=False, reg_temperature=None, reg_beta=0.0,
        reg_kind="smooth_l1", cls_weight=0.0, cls_lr=1e-3, global_lr=None, cast_weight=0.0,
        cast_kind="mean", adv_weight=0.0, adv_lr=2e-4, adv_channels=32, adv_start=200,
        # checkpoint selection: "loss" (the validation cross-entropy) or "matched" (the image
        # metrics at colourfulness select_cf x truth, colorizer/selection.py) on places-val
        # images select_skip_places .. + select_places (360..599: apart from the selection
        # images 0..59 and the held-out 60..359) and bsds-val likewise
        select_on="loss", select_cf=0.78, select_T=0.2, select_metric="de2000",
        select_places=240, select_skip_places=360, select_bsds=0, select_skip_bsds=0,
        val_at_start=False, snapshots=False,
    ),
    # One H100: bf16 autocast, channels-last, batch 256, all layers trained. The working size
    # is the shipped pipeline's (128: the places photos' own size); the data arrive packed by
    # scripts/pack_data.py (validation = places-val 360..759, early stopping only).
    "gpu": dict(
        device="cuda", threads=8, amp=True, compile=False, decode_workers=8,
        channels_last=True, cudnn_benchmark=False,  # autotuning: 48 s in the first step
        batch=256, working_size=128, crop_sizes=[64, 96, 128],
        crop_probs=[0.2, 0.3, 0.5], scale_range=[0.8, 1.25], pool_weights={"hires": 2.0},
        lr=2e-3, encoder_lr=5e-4, weight_decay=1e-4, warmup=200,
        max_steps=100000, max_minutes=9.5,
        lam=0.5, temperature=0.38, reg_weight=0.0, hint_p_none=0.5,
        pretrained=True, width=1.0, freeze_until=-1,
        val_every=250, val_images=400, val_bsds=0, ckpt_every=250, log_every=50,
        patience=5, seed=1234, prior_images=5000, init_from=None, model_out=None,
        prior_seed=None, folded_bn=False, reg_temperature=None, reg_beta=0.0,
        reg_kind="smooth_l1", cls_weight=0.0, cls_lr=1e-3, global_lr=None, cast_weight=0.0,
        cast_kind="mean", adv_weight=0.0, adv_lr=2e-4, adv_channels=32, adv_start=200,
        # the packed places-val holds places-val 360..759 only, so no skip here
        select_on="loss", select_cf=0.78, select_T=0.2, select_metric="de2000",
        select_places=400, select_skip_places=0, select_bsds=0, select_skip_bsds=0,
        val_at_start=False, snapshots=False,
    ),
}


def load_checkpoint(path):
    """torch.load for our checkpoints (they hold numpy RNG states and the config, so torch
    2.6+ needs weights_only=False; torch 1.13 accepts the argument too)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def default_shards(data_dir):
    """The training shards of a data folder: the pack's .tar shards, or the .zip shards of
    scripts/pack_data.py."""
    tr = os.path.join(data_dir, "train")
    return sorted(os.path.join(tr, f) for f in os.listdir(tr) if f.endswith((".tar", ".zip")))


def compute_prior(pools, centres, n_images, seed, log):
    """Empirical ab prior over the bins from up to n_images training images (each pool in
    proportion to its size), pixels subsampled, smoothed (bins.empirical_prior)."""
    rng = np.random.RandomState(seed)
    total = sum(len(v) for v in pools.values())
    samples = []
    for k, v in pools.items():
        n = max(1, int(round(n_images * len(v) / total)))
        for i in rng.randint(0, len(v), size=n):
            im = v[i].numpy() if torch.is_tensor(v[i]) else v[i]
            step = max(1, min(im.shape[:2]) // 48)
            lab = srgb_to_lab(im[::step, ::step]).reshape(-1, 3)
            samples.append(lab[:, 1:])
    ab = np.concatenate(samples).astype(np.float32)
    if len(ab) > 500000:
        ab = ab[rng.choice(len(ab), 500000, replace=False)]
    p = binsmod.empirical_prior(ab, centres)
    log("prior from %d pixels: max p %.4f, bins with p > 1e-4: %d of %d"
        % (len(ab), p.max(), (p > 1e-4).sum(), len(p)))
    return p


def new_net(cfg):
    """An untrained ColorNet shaped as cfg says (folded_bn: batch norms folded away)."""
    net = ColorNet(binsmod.bins(), width=cfg["width"], temperature=cfg["temperature"])
    if cfg.get("folded_bn"):
        fold_bn(net)
    return net


def net_from_checkpoint(ck):
    """The trained ColorNet of a checkpoint (from load_checkpoint)."""
    net = new_net(ck["cfg"])
    net.load_state_dict(ck["model"])
    return net


def init_from_onnx(path, cfg, recompute_prior):
    """(state dict, how the prior was found) for fine-tuning a shipped fp32 file: the file's T
    and beta from the manifest.json beside it; its recorded prior, or recompute_prior() for
    files without one or when cfg prior_seed asks for it."""
    import onnx
    from .export import prior_from_onnx, state_from_onnx
    with open(os.path.join(os.path.dirname(path) or ".", "manifest.json")) as f:
        entry = [e for e in json.load(f)["models"] if e["file"] == os.path.basename(path)]
    if not entry:
        raise ValueError("%s is not listed in the manifest beside it" % path)
    m = onnx.load(path)
    w, how = prior_from_onnx(m), "prior from the file"
    if w is None or cfg["prior_seed"] is not None:
        w, how = recompute_prior(), "prior recomputed"
    return state_from_onnx(m, w, entry[0]["temperature"], entry[0]["prior_correction"],
                           width=cfg["width"]), how


def load_val(data_dir, cfg, log):
    """Fixed validation images at the working size: the first val_images of places-val
    (resized/cropped to working_size square) + the first val_bsds of bsds-val."""
    from .data import read_shard
    ims = []
    _, pl = read_shard(val_shard(data_dir, "places-val"), skip_grey=False, limit=cfg["val_images"])
    ims += pl
    if cfg["val_bsds"]:
        _, bs = read_shard(val_shard(data_dir, "bsds-val"), skip_grey=False, limit=cfg["val_bsds"])
        ims += bs
    ws = cfg["working_size"]
    rgb = np.stack([centre_square(im, ws) for im in ims])
    lab = srgb_to_lab(rgb).astype(np.float32)
    log("validation: %d images at %d px" % (len(rgb), ws))
    return torch.from_numpy(lab).permute(0, 3, 1, 2).contiguous(), rgb


def load_selection(data_dir, cfg, log):
    """The images select_on="matched" scores on (evaluate.Truth at 256 x 256), or None."""
    if cfg.get("select_on", "loss") == "loss":
        return None
    if cfg["select_on"] != "matched":
        raise ValueError("select_on must be loss or matched, not %r" % cfg["select_on"])
    if cfg["select_metric"] not in selection.SCORE_KEYS:
        raise ValueError("select_metric must be one of %s, not %r"
                         % (", ".join(selection.SCORE_KEYS), cfg["select_metric"]))
    rgb, _ = load_eval_set(data_dir, cfg["select_places"], cfg["select_bsds"],
                           skip_places=cfg["select_skip_places"],
                           skip_bsds=cfg["select_skip_bsds"])
    log("checkpoint selection: %s at CF %.2f x truth (T %g) on %d images (places-val from %d, "
        "bsds-val from %d)" % (cfg["select_metric"], cfg["select_cf"], cfg["select_T"], len(rgb),
                               cfg["select_skip_places"], cfg["select_skip_bsds"]))
    return Truth(rgb)


@torch.no_grad()
def validate(model, val_lab, val_rgb, lookup, cfg, device, sel_truth=None, beta0=0.3):
    """The cross-entropy, PSNR and colourfulness of the validation images (decoded at the
    training temperature, beta 0), how many units of the global context vector fire on any
    of them (global_live: a ReLU unit that never fires passes nothing to the fusion), and
    with sel_truth the matched image metrics (keys m_*)."""
    model.eval()
    losses, preds, live = [], [], None
    for i in range(0, len(val_lab), 32):
        lab = val_lab[i:i + 32].to(device)
        z = torch.zeros_like(lab[:, 1:])
        with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16,
                            enabled=cfg["amp"]):
            logits, g = model.logits(lab[:, :1], z, z[:, :1], return_global=True)
        fired = (g.float() > 0).any(0).cpu()
        live = fired if live is None else live | fired
        losses.append(float(rebalanced_ce(logits.float(), lab[:, 1:], lookup, model.prior_w)))
        ab = annealed_mean_rows(logits.float(), model.bins, cfg["temperature"])
        preds.append(ab.cpu())
    ab = torch.cat(preds)
    psnr, cf, cf_true = batch_psnr_cf(val_lab[:, 0].numpy(), ab, val_rgb)
    v = dict(val_loss=float(np.mean(losses)), val_psnr=psnr, val_cf=cf, val_cf_true=cf_true,
             global_live=int(live.sum()), global_units=int(live.numel()))
    if sel_truth is not None:
        def logits_cpu(L, hint_ab, hint_mask):
            return model.logits(L.to(device), hint_ab.to(device), hint_mask.to(device)).float().cpu()
        z = predict(logits_cpu, sel_truth.lab[..., 0], cfg["working_size"])  # automatic: no hints
        m = selection.matched_scores(z, model.bins.float().cpu(), torch.log(model.prior_w).cpu(),
                                     sel_truth, cfg["select_cf"], T=cfg["select_T"], beta0=beta0)
        v.update({"m_" + k: x for k, x in m.items()})
    model.train()
    return v


def build_model(cfg, centres, weights_path, log):
    model = new_net(cfg)
    if cfg["pretrained"] and cfg.get("init_from"):
        log("encoder: pretrained, via the weights of %s" % cfg["init_from"])
    elif cfg["pretrained"]:
        model.init_from_tflite(weights_path)
        log("encoder initialised from %s" % os.path.basename(weights_path))
    else:
        log("encoder from scratch")
    k = cfg.get("freeze_until", -1)
    if k >= 0 and cfg["pretrained"]:
        model.freeze_until = k
        for p in model.encoder[:k + 1].parameters():
            p.requires_grad_(False)
        log("encoder layers 0..%d frozen (run without gradients)" % k)
    return model


def train(cfg, run_dir, shards, data_dir, weights_path, cache_dir=None):
    os.makedirs(run_dir, exist_ok=True)
    logf = open(os.path.join(run_dir, "log.txt"), "a")

    def log(msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    device = cfg["device"]
    torch.set_num_threads(cfg["threads"])
    if device.startswith("cuda"):
        torch.backends.cudnn.benchmark = bool(cfg.get("cudnn_benchmark", False))
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(cfg["seed"])
    np.random.seed(cfg["seed"])
    reg_kind = cfg.get("reg_kind", "smooth_l1")  # runs from before the key: smooth-L1
    cast_weight = cfg.get("cast_weight", 0.0)  # runs from before the key: none
    cast_kind = cfg.get("cast_kind", "mean")  # runs from before the key: the plain term
    cast_fn = {"mean": cast_penalty, "remove": cast_remove_penalty}.get(cast_kind)
    if cast_fn is None:
        raise ValueError("cast_kind must be mean or remove, not %r" % cast_kind)
    if reg_kind not in ("smooth_l1", "wrong_colour", "confident_colour"):
        raise ValueError("reg_kind must be smooth_l1, wrong_colour or confident_colour, not %r"
                         % reg_kind)
    init = cfg.get("init_from") or ""
    init_ck = load_checkpoint(init) if init and not init.endswith(".onnx") else None
    if init:
        cfg["folded_bn"] = init.endswith(".onnx") or bool(init_ck["cfg"].get("folded_bn"))
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump(dict(cfg, shards=[os.path.basename(s) for s in shards]), f, indent=1)
    log("config: " + json.dumps(cfg))
    t_start = time.time()

    centres = binsmod.bins()
    if cfg["folded_bn"]:
        log("batch norms folded into the convs (fine-tuning a net that was exported)")
    cls_weight = cfg.get("cls_weight", 0.0)
    raw = load_shards(shards, cache_dir=cache_dir, log=log, workers=cfg.get("decode_workers", 1),
                      with_names=cls_weight > 0)
    labels, classes = None, []
    if cls_weight > 0:
        raw, names = raw
        labels, classes = class_labels(names)
        if not classes:
            raise ValueError("cls_weight > 0 but the shards hold no class folders "
                             "(places/<class>/..., tinyimagenet/<wnid>/...)")
        log("auxiliary classifier: %d classes (weight %g)" % (len(classes), cls_weight))
    model = build_model(cfg, centres, weights_path, log).to(device)
    if cfg.get("channels_last"):
        model = model.to(memory_format=torch.channels_last)
    ckpt_path = os.path.join(run_dir, "last.pt")
    resume = load_checkpoint(ckpt_path) if os.path.exists(ckpt_path) else None
    if resume is None and init.endswith(".onnx"):
        seed = cfg["seed"] if cfg["prior_seed"] is None else cfg["prior_seed"]
        state, how = init_from_onnx(init, cfg, lambda: binsmod.rebalance_weights(
            compute_prior(raw, centres, cfg["prior_images"], seed, log), cfg["lam"]))
        model.load_state_dict(state)
        log("weights initialised from %s (%s)" % (init, how))
    elif resume is None and init_ck is not None:
        # fine-tuning: weights (and the rebalancing prior) from another run's checkpoint, a
        # fresh optimizer, schedule and step count; the frozen set is this config's
        model.load_state_dict(init_ck["model"])
        log("weights initialised from %s" % init)
    elif resume is None:
        prior = compute_prior(raw, centres, cfg["prior_images"], cfg["seed"], log)
        with torch.no_grad():
            model.prior_w.copy_(torch.from_numpy(binsmod.rebalance_weights(prior, cfg["lam"])))
    del init_ck  # its optimizer state is not needed while training
    sampler = BatchSampler(raw, cfg["working_size"], cfg["crop_sizes"], cfg["crop_probs"],
                           tuple(cfg["scale_range"]), cfg["pool_weights"], cfg["seed"], device,
                           labels=labels)
    del raw, labels
    n_train = sum(len(v) for v in sampler.pools.values())
    log("training windows: %s" % {k: len(v) for k, v in sampler.pools.items()})
    val_lab, val_rgb = load_val(data_dir, cfg, log)
    sel_truth = load_selection(data_dir, cfg, log)
    lookup = GridLookup(model.bins.cpu()).to(device)

    # the auxiliary classifier (Iizuka et al.): scene / object class from the global context
    # vector; a training-only head, saved in the checkpoint beside the model, never exported
    aux = torch.nn.Linear(model.global_channels(), len(classes)).to(device) if classes else None
    enc_lr = cfg["encoder_lr"] if cfg["pretrained"] else cfg["lr"]
    decoder = model.decoder_parameters()
    glob_lr = cfg.get("global_lr")
    if glob_lr:  # the global context branch at its own rate (e.g. after scripts/revive_global.py)
        glob = list(model.global_fc.parameters())
        glob_ids = {id(p) for p in glob}
        decoder = [p for p in decoder if id(p) not in glob_ids]
    groups = [
        {"params": [p for p in model.encoder_parameters() if p.requires_grad],
         "lr": enc_lr, "base": enc_lr},
        {"params": decoder, "lr": cfg["lr"], "base": cfg["lr"]}]
    if glob_lr:
        groups.append({"params": glob, "lr": glob_lr, "base": glob_lr})
    if aux is not None:
        # the head starts from random weights while the net is fine-tuned: its own rate
        cls_lr = cfg.get("cls_lr") or cfg["lr"]
        groups.append({"params": list(aux.parameters()), "lr": cls_lr, "base": cls_lr})
    opt = torch.optim.AdamW(groups, weight_decay=cfg["weight_decay"])
    adv_weight = cfg.get("adv_weight", 0.0)  # runs from before the key: none
    critic = copt = None
    if adv_weight > 0:
        torch.manual_seed(cfg["seed"] + 7)  # the critic's start, apart from the model's
        critic = PatchCritic(cfg.get("adv_channels", 32)).to(device)
        copt = torch.optim.Adam(critic.parameters(), lr=cfg.get("adv_lr", 2e-4),
                                betas=(0.5, 0.999))
        log("adversarial term: PatchGAN critic, %d parameters, weight %g from step %d" % (
            sum(p.numel() for p in critic.parameters()), adv_weight, cfg.get("adv_start", 0)))
    step, elapsed, images_seen = 0, 0.0, 0
    best, bad_vals, history = float("inf"), 0, []
    hint_rng = np.random.RandomState(cfg["seed"] + 1)
    if resume is not None:
        model.load_state_dict(resume["model"])
        if aux is not None:
            aux.load_state_dict(resume["aux"])
        if critic is not None:
            critic.load_state_dict(resume["critic"])
            copt.load_state_dict(resume["critic_opt"])
        opt.load_state_dict(resume["opt"])
        step, elapsed, images_seen = resume["step"], resume["elapsed"], resume["images_seen"]
        best, bad_vals, history = resume["best"], resume["bad_vals"], resume["history"]
        sampler.set_state(resume["sampler_rng"])
        hint_rng.set_state(resume["hint_rng"])
        torch.set_rng_state(resume["torch_rng"])
        log("resumed at step %d (%.1f min)" % (step, elapsed / 60))

    # what a training step calls: the logits (and the global vector); compiled where asked
    train_fn = model.logits
    if cfg["compile"] and hasattr(torch, "compile"):
        train_fn = torch.compile(model.logits)

    def save(path):
        torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step,
                        elapsed=elapsed, images_seen=images_seen, best=best,
                        bad_vals=bad_vals, history=history, cfg=cfg,
                        sampler_rng=sampler.state(), hint_rng=hint_rng.get_state(),
                        torch_rng=torch.get_rng_state(),
                        aux=None if aux is None else aux.state_dict(), aux_classes=classes,
                        critic=None if critic is None else critic.state_dict(),
                        critic_opt=None if copt is None else copt.state_dict()),
                   path + ".tmp")
        os.replace(path + ".tmp", path)

    def save_model(name):
        """Weights only (plus config and history) into cfg["model_out"], a folder: small
        files for a machine that sends back only small files."""
        if not cfg.get("model_out"):
            return
        os.makedirs(cfg["model_out"], exist_ok=True)
        path = os.path.join(cfg["model_out"], name)
        torch.save(dict(model={k: v.contiguous() for k, v in model.state_dict().items()},
                        cfg=cfg, step=step, images_seen=images_seen, elapsed=elapsed,
                        history=history), path + ".tmp")
        os.replace(path + ".tmp", path)

    def run_validation(final=False):
        """Validates, keeps the best checkpoint (by the validation loss, or by the matched
        image metrics with select_on="matched"), logs; True when patience has run out."""
        nonlocal best, bad_vals, t_last
        tv = time.time()
        done = [h for h in history if "m_beta" in h]
        v = validate(model, val_lab, val_rgb, lookup, cfg, device, sel_truth,
                     beta0=done[-1]["m_beta"] if done else (cfg["reg_beta"] or 0.3))
        v.update(step=step, minutes=elapsed / 60, epochs=images_seen / n_train)
        if final:
            v["final"] = True
        history.append(v)
        key = v["val_loss"] if sel_truth is None else \
            selection.selection_value({k: v["m_" + k] for k in selection.SCORE_KEYS},
                                      cfg["select_metric"])
        improved = key < best
        if improved:
            best, bad_vals = key, 0
            save(os.path.join(run_dir, "best.pt"))
            save_model("best_model.pt")
        elif not final:
            bad_vals += 1
        if cfg.get("snapshots"):
            os.makedirs(os.path.join(run_dir, "snap"), exist_ok=True)
            torch.save(dict(model=model.state_dict(), cfg=cfg, step=step, history=history),
                       os.path.join(run_dir, "snap", "step%06d.pt" % step))
        matched = "" if sel_truth is None else \
            " | at CF %.3f (beta %.3f): psnr %.3f dE2000 %.3f wrong %.2f%%" % (
                v["m_cf_ratio"], v["m_beta"], v["m_psnr"], v["m_de2000"], v["m_wrong_pct"])
        log("VAL step %d loss %.4f psnr %.3f cf %.2f (truth %.2f) global units live %d/%d%s %s "
            "(%.0fs)" % (step, v["val_loss"], v["val_psnr"], v["val_cf"], v["val_cf_true"],
                         v["global_live"], v["global_units"], matched,
               "best" if improved else "no gain %d/%d" % (bad_vals, cfg["patience"]),
               time.time() - tv))
        t_last = time.time()
        return bad_vals >= cfg["patience"]

    if cfg.get("val_at_start") and step == 0:
        run_validation()  # the starting weights: what the run has to beat
    model.train()
    t_last, seen_last, loss_acc, cls_acc, adv_acc = time.time(), 0, [], [], []
    stop_reason = "max_steps"
    while step < cfg["max_steps"]:
        if elapsed >= cfg["max_minutes"] * 60:
            stop_reason = "time budget"
            break
        t0 = time.time()
        progress = max(step / cfg["max_steps"], elapsed / (cfg["max_minutes"] * 60))
        warm = min(1.0, (step + 1) / cfg["warmup"])
        factor = warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
        for g in opt.param_groups:
            g["lr"] = g["base"] * factor
        lab, S, y = sampler.batch(cfg["batch"], with_labels=True)  # y: -1 without classes
        ab = lab[:, 1:]
        hint_ab, hint_mask = sample_hints(ab, hint_rng, p_none=cfg["hint_p_none"])
        with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16,
                            enabled=cfg["amp"]):
            logits, gvec = train_fn(lab[:, :1], hint_ab, hint_mask, return_global=True)
        loss = rebalanced_ce(logits.float(), ab, lookup, model.prior_w)
        if aux is not None and bool((y >= 0).any()):
            has = y >= 0
            c = aux(gvec.float()[has])
            loss = loss + cls_weight * torch.nn.functional.cross_entropy(c, y[has])
            cls_acc.append(float((c.argmax(1) == y[has]).float().mean()))
        if cfg["reg_weight"] > 0 or cast_weight > 0 or critic is not None:
            # terms on the decoding the model ships with: softmax((z - beta log w) / T)
            z = logits.float()
            if cfg["reg_beta"]:
                z = z - cfg["reg_beta"] * torch.log(model.prior_w).view(1, -1, 1, 1)
            pred = annealed_mean_rows(z, model.bins, cfg["reg_temperature"] or cfg["temperature"])
            target = downsample_ab(ab, pred.shape[-2:])
        if cast_weight > 0:
            loss = loss + cast_weight * cast_fn(pred, target)
        if cfg["reg_weight"] > 0:
            if reg_kind == "wrong_colour":
                loss = loss + cfg["reg_weight"] * wrong_colour_penalty(pred, target)
            elif reg_kind == "confident_colour":
                loss = loss + cfg["reg_weight"] * confident_colour_penalty(pred, target)
            else:
                loss = loss + cfg["reg_weight"] * torch.nn.functional.smooth_l1_loss(
                    pred / 10.0, target / 10.0)
        if critic is not None:
            L_grid = downsample_ab(lab[:, :1], pred.shape[-2:])  # any channels
            if step >= cfg.get("adv_start", 0):
                critic.requires_grad_(False)  # the colorizer's step leaves the critic alone
                g_adv = colorizer_loss(critic, L_grid, pred)
                critic.requires_grad_(True)
                loss = loss + adv_weight * g_adv
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if critic is not None:
            d_loss = critic_loss(critic, L_grid, target, pred)
            copt.zero_grad(set_to_none=True)
            d_loss.backward()
            copt.step()
            adv_acc.append(float(d_loss))
        step += 1
        images_seen += cfg["batch"]
        loss_acc.append(float(loss))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        elapsed += time.time() - t0
        if step % cfg["log_every"] == 0:
            dt = time.time() - t_last
            log("step %d loss %.4f lr %.2e S=%d %.1f img/s epochs %.2f elapsed %.1f min%s%s"
                % (step, np.mean(loss_acc), opt.param_groups[1]["lr"], S,
                   (images_seen - seen_last) / dt, images_seen / n_train, elapsed / 60,
                   " class acc %.2f" % np.mean(cls_acc) if cls_acc else "",
                   " critic loss %.3f" % np.mean(adv_acc) if adv_acc else ""))
            t_last, seen_last, loss_acc, cls_acc, adv_acc = time.time(), images_seen, [], [], []
        if step % cfg["val_every"] == 0:
            if run_validation():
                stop_reason = "early stopping"
                save(ckpt_path)
                break
        if step % cfg["ckpt_every"] == 0:
            save(ckpt_path)
    if not history or history[-1]["step"] != step:
        run_validation(final=True)
    v = history[-1]
    save(ckpt_path)
    save_model("last_model.pt")
    log("END (%s) step %d images %d epochs %.2f time %.1f min; final val loss %.4f psnr %.3f "
        "cf %.2f; best %s %.4f" % (stop_reason, step, images_seen, images_seen / n_train,
                                         elapsed / 60, v["val_loss"], v["val_psnr"], v["val_cf"],
                                         "val loss" if sel_truth is None else
                                         "matched " + cfg["select_metric"], best))
    log("wall time %.1f min (loading, validation and saving included)" % ((time.time() - t_start) / 60))
    if device.startswith("cuda"):
        log("peak GPU memory %.2f GiB (allocated by tensors; %s)" % (
            torch.cuda.max_memory_allocated() / 2 ** 30, torch.cuda.get_device_name()))
    return history
