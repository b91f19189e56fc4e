"""``ddpm-eval --model``: evaluate a user's model (a path or a name on DDPM_MODEL_PATH) in the experiments that
use a DDPM model, in place of the shipped one.

The model replaces the shipped model of every point (``experiments.model_of``). Experiments over square QAM
(all but :data:`CONTINUOUS`) run at the model's constellation size only (``orders``/``order`` of the
setting), so the model must carry a constellation (a constellation data set, or a capture trained with
labels: docs/training.md) whose size is a square-QAM order; the receivers' prior and the channel stay the
ideal constellation of that order. Experiments without a constellation (``swissroll``) take only models
without one. ``ddpm-eval all --model`` runs the
experiments the model fits and says which it skips. Seeds do not depend on the model, so a user's model
and the shipped one see the same symbols and noise.
"""
import copy

import numpy as np

from gnuradio.ddpm.core import constellations
from gnuradio.ddpm.modelfile.lookup import find_model
from gnuradio.ddpm.modelfile.reader import ModelFormatError, load_model

__all__ = ["UserModelError", "resolve_user_model", "with_user_model", "CONTINUOUS"]

#: experiments over data without a constellation; every other experiment that uses a model evaluates square QAM
CONTINUOUS = frozenset({"swissroll"})


class UserModelError(ValueError):
    """A --model that is missing, not a valid model file, or does not fit the experiment."""


def resolve_user_model(model):
    """Resolve and load ``model`` (path or short name). Returns (absolute path str, modelfile Model).
    Raises UserModelError naming the model and the problem."""
    try:
        path = find_model(model)
    except FileNotFoundError as e:
        raise UserModelError(f"--model {model}: {e}") from None
    try:
        return path, load_model(path)
    except ModelFormatError as e:
        raise UserModelError(f"--model {model}: not a usable gr-ddpm model file: {e}") from None


def with_user_model(name, cfg, path, m):
    """The setting ``cfg`` (dict, not modified) of experiment ``name`` with the model at ``path`` (its loaded
    Model ``m``): ``common["model"] = path`` and the QAM order(s) set to the model's constellation size.
    Returns the new setting dict. Raises UserModelError when the model does not fit."""
    cfg = copy.deepcopy(cfg)
    if name in CONTINUOUS:
        if m.constellation is not None:
            raise UserModelError(f"--model {path}: experiment '{name}' evaluates continuous data without a "
                                 f"constellation; the model has one (dataset '{m.dataset}')")
    else:
        if m.constellation is None:
            raise UserModelError(f"--model {path}: experiment '{name}' evaluates square QAM, but the model (dataset "
                                 f"'{m.dataset}') has no constellation; train it on a labelled capture or a "
                                 f"constellation data set (docs/training.md)")
        order = int(np.asarray(m.constellation).size)
        try:
            constellations.qam(order)
        except ValueError:
            raise UserModelError(f"--model {path}: experiment '{name}' evaluates square QAM; the model's "
                                 f"constellation has {order} points, not a square-QAM order") from None
        if "orders" in cfg:
            cfg["orders"] = [order]
        elif "order" in cfg:
            cfg["order"] = order
    cfg["common"] = dict(cfg.get("common", {}), model=path)
    return cfg
