"""perfxl: 本级预算项目绩效目标表 — template, import, validate and consolidate.

The library API (no click needed)::

    import perfxl
    perfxl.write_template("模板.xlsx", year=2023)
    result = perfxl.read(["data/2023"])        # projects and findings
    perfxl.parse_target("≥130个")
    perfxl.selfeval(["data/2023"], "自评表")   # one 自评表 per project
    perfxl.score(["自评表"])                   # filled 自评表 rescored, with findings

Submodules are imported lazily so that ``perfxl --help`` starts instantly.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "read": "pipeline",
    "consolidate": "pipeline",
    "ReadResult": "model",
    "Consolidation": "model",
    "write_template": "template",
    "selfeval": "evalform",
    "score": "pipeline",
    "Evaluation": "evaluation",
    "import_forms": "importer",
    "parse_target": "targets",
    "load_profile": "profile",
    "find_forms": "form",
    "Project": "model",
    "Indicator": "model",
    "Target": "model",
    "Finding": "model",
    "CATALOGUE": "findings",
    "Funds": "model",
    "PerfxlError": "errors",
    "UsageError": "errors",
    "InputError": "errors",
    "OutputError": "errors",
    "ProfileError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'perfxl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"perfxl.{module}"), name)
    globals()[name] = value
    return value
