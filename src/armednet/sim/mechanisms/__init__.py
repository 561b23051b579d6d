"""The model's mechanisms: one small module each, found by the registry.

Every public module of this package declares its :class:`Mechanism` records at module
level; the registry imports the modules on first use and collects them, the way SALib finds
its methods by module. :data:`MECHANISMS` maps each switch name to its record,
:data:`PIPELINE` is the weekly step (the mechanisms with a ``step``, by ``order``) and
:data:`MODULES` the modules in pipeline order. Every step function runs every week and reads
the switches itself (``ctx.on``), so that turning a mechanism off removes its effect while
the arrays other mechanisms read still exist (e.g. with ``attacks`` off the attack counts
are zeros).

Adding a mechanism is adding a module here (its parameters, the scenario facts it reads,
its state, step and outputs all live on its :class:`Mechanism`) and its counterpart in the
Mesa reference (:mod:`armednet.sim.reference`).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter

if TYPE_CHECKING:
    from armednet.sim.state import State

__all__ = ["MECHANISMS", "MODULES", "PIPELINE", "Context", "Mechanism", "Parameter",
           "registry"]


@functools.cache
def _discover() -> tuple[tuple[ModuleType, ...], tuple[Mechanism, ...]]:
    """Modules ranked by the first step they declare; mechanisms by module, then as
    declared."""
    modules = [importlib.import_module(f"{__name__}.{info.name}")
               for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    found: list[tuple[float, int, Mechanism]] = []
    seen: dict[str, str] = {}
    for module in modules:
        mine = [v for v in vars(module).values() if isinstance(v, Mechanism)]
        rank = min((float(m.order) for m in mine if m.order is not None), default=float("inf"))
        for i, m in enumerate(mine):
            if m.name in seen:
                raise RuntimeError(f"mechanism {m.name} declared in {seen[m.name]} and "
                                   f"{module.__name__}")
            seen[m.name] = module.__name__
            found.append((rank, i, m))
    orders = [m.order for _, _, m in found if m.order is not None]
    if len(orders) != len(set(orders)):
        raise RuntimeError("two mechanisms share a pipeline order")
    found.sort(key=lambda x: (x[0], seen[x[2].name], x[1]))
    ranked = list(dict.fromkeys(seen[m.name] for _, _, m in found))
    by_name = {mod.__name__: mod for mod in modules}
    return tuple(by_name[n] for n in ranked), tuple(m for _, _, m in found)


def registry() -> tuple[Mechanism, ...]:
    """Every mechanism record, module by module in pipeline order."""
    return _discover()[1]


def __getattr__(name: str) -> Any:
    # Derived lazily (PEP 562): importing the package does no work.
    if name == "MECHANISMS":
        return {m.name: m for m in registry()}
    if name == "PIPELINE":
        steps = sorted((m for m in registry() if m.step is not None),
                       key=lambda m: m.order or 0)
        pipeline: tuple[Callable[[State, Context], None], ...] = tuple(
            m.step for m in steps if m.step is not None)
        return pipeline
    if name == "MODULES":
        return _discover()[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
