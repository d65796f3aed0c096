"""dehaze-bench methods: one registry, one interface (`get_method(spec).enhance(x)`).

Every module directly in this package is one method; the shared machinery is in `methods.core`.
The names below are the whole surface the harness (`benchmark`) may use: widen it here, on
purpose, rather than importing `methods.core` internals from outside.
Built-in methods register themselves on import; third-party ones through the entry-point group
`dehaze_bench.methods`. This package never imports `benchmark`.
"""

from . import (  # noqa: F401  (registration side effects)
    aodnet,
    c2pnet,
    cap,
    da_dehazing,
    dcp,
    ffanet,
    gcanet,
    griddehazenet,
    hazy_input,
    lnet_gie,
    msbdn_dff,
    outputs,
)
from .core import (
    ClassicalMethod,
    Method,
    MethodError,
    NeuralMethod,
    Param,
    Spec,
    SpecError,
    UnknownMethodError,
    UnsafeWeightsError,
    WeightsError,
    WeightsInfo,
    available_methods,
    canonical_spec,
    expand_spec,
    get_method,
    method_class,
    parse_spec,
    register_method,
    resolve_device,
)
from .core.backends import weights_spec_of
from .core.errors import InitError
from .core.neural import InitComparison
from .core.paper import PAPER_SOURCE
from .core.params import format_value
from .core.recipe import TrainingRecipe
from .core.registry import paper_values
from .core.releases import Release, cache_dir, find_release, release_path, trained_dir
from .core.spec import spec_name, spec_options, split_method_list
from .core.weights import (
    read_sidecar,
    sha256_file,
    shipped_weights_for,
    sidecar_path,
    trained_weights_for,
    weights_index,
)

__all__ = [
    "PAPER_SOURCE",
    "ClassicalMethod",
    "InitComparison",
    "InitError",
    "Method",
    "MethodError",
    "NeuralMethod",
    "Param",
    "Release",
    "Spec",
    "SpecError",
    "TrainingRecipe",
    "UnknownMethodError",
    "UnsafeWeightsError",
    "WeightsError",
    "WeightsInfo",
    "available_methods",
    "cache_dir",
    "canonical_spec",
    "expand_spec",
    "find_release",
    "format_value",
    "get_method",
    "method_class",
    "paper_values",
    "parse_spec",
    "read_sidecar",
    "register_method",
    "release_path",
    "resolve_device",
    "sha256_file",
    "shipped_weights_for",
    "sidecar_path",
    "spec_name",
    "spec_options",
    "split_method_list",
    "trained_dir",
    "trained_weights_for",
    "weights_index",
    "weights_spec_of",
]
