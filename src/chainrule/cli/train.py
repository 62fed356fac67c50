"""``chainrule train``: train an MLP with either engine, print the history, save the model."""

from __future__ import annotations

import argparse

from chainrule.cli._common import int_list, positive_float, print_json, show_progress
from chainrule.training import TrainConfig, train
from chainrule.training.config import ACTIVATIONS, COSTS, ENGINES, INITS, OPTIMIZERS


def add_training_options(p: argparse.ArgumentParser, *, layers: str = "64,32,10") -> None:
    """The options every command that trains a network shares."""
    p.add_argument("--data", default="digits", help="digits (bundled), fashion-mnist, mnist, "
                   "xor, spirals, moons, circles (default: digits)")
    p.add_argument("--data-root", help="folder of MNIST-format IDX files")
    p.add_argument("--train-size", type=int, help="use the first N training examples")
    p.add_argument("--test-size", type=int, help="use the first N test examples")
    p.add_argument("--layers", type=int_list, default=int_list(layers),
                   help=f"neurons per layer, input first (default: {layers})")
    p.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid")
    p.add_argument("--cost", choices=COSTS, default="quadratic")
    p.add_argument("--init", choices=INITS, default="normal",
                   help="normal = N(0,1) (the lecture's); normal-scaled = N(0,1/n_in)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    p.add_argument("--lr", type=positive_float, default=3.0, help="learning rate α")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--engine", choices=ENGINES, default="classic",
                   help="classic = the lecture's matrix-form backprop; autodiff = nn + optim")
    p.add_argument("--batch-norm", action="store_true", help="BatchNorm1d before each hidden σ")
    p.add_argument("--clip-norm", type=positive_float, help="clip the gradient's global norm")
    p.add_argument("--dropout", type=float, default=0.0)


def config_from(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        data=args.data,
        data_root=args.data_root,
        train_size=args.train_size,
        test_size=args.test_size,
        layers=args.layers,
        activation=args.activation,
        cost=args.cost,
        init=args.init,
        optimizer=args.optimizer,
        lr=args.lr,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        batch_size=args.batch_size,
        epochs=args.epochs,
        seed=args.seed,
        engine=args.engine,
        batch_norm=args.batch_norm,
        clip_norm=args.clip_norm,
        dropout=args.dropout,
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a network and report its accuracy",
                       description="Train an MLP; same seed, same numbers.")
    add_training_options(p)
    p.add_argument("--save", metavar="FILE", help="write the model (.safetensors) when done; "
                   "on Ctrl-C the last finished epoch is written there")
    p.add_argument("--resume", metavar="FILE", help="continue from a checkpoint")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    quiet = args.json

    def report(stats: dict, learner: object) -> None:
        if not quiet:
            print(
                f"epoch {stats['epoch']:3d}  loss {stats['train_loss']:.4f}  "
                f"train acc {stats['train_accuracy']:.4f}  test acc {stats['test_accuracy']:.4f}"
                f"  ({stats['seconds']:.2f} s)",
                flush=True,
            )

    result = train(config, on_epoch=report, progress=show_progress(args), save=args.save,
                   resume=args.resume)
    if args.json:
        print_json(result.to_dict())
        return 130 if result.interrupted else 0
    if result.interrupted:
        print(f"interrupted: the last finished epoch is saved in {result.checkpoint_path}; "
              f"continue with --resume {result.checkpoint_path}")
        return 130
    final = result.history[-1]
    print(
        f"done: {config.engine} engine, {len(result.train_loss)} epochs in {result.seconds:.1f} s;"
        f" test accuracy {final['test_accuracy']:.4f}, train loss {final['train_loss']:.4f}"
    )
    if result.checkpoint_path:
        print(f"model saved to {result.checkpoint_path}")
    return 0
