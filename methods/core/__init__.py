"""The machinery every method shares: base classes, specs, the registry, weights loading."""

from .base import ClassicalMethod, Method
from .errors import MethodError, SpecError, UnknownMethodError, UnsafeWeightsError, WeightsError
from .neural import NeuralMethod
from .params import Param
from .registry import (
    available_methods,
    canonical_spec,
    expand_spec,
    get_method,
    method_class,
    parse_spec,
    register_method,
    resolve_device,
)
from .spec import Spec
from .weights import WeightsInfo

__all__ = [
    "ClassicalMethod",
    "Method",
    "MethodError",
    "NeuralMethod",
    "Param",
    "Spec",
    "SpecError",
    "UnknownMethodError",
    "UnsafeWeightsError",
    "WeightsError",
    "WeightsInfo",
    "available_methods",
    "canonical_spec",
    "expand_spec",
    "get_method",
    "method_class",
    "parse_spec",
    "register_method",
    "resolve_device",
]
