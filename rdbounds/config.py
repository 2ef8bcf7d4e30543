"""One configuration system: frozen dataclasses, presets as instances, checked overrides.

Every estimator is configured by a frozen dataclass deriving from `Config`. Its fields are
declared with `option(default, help)`, so the field itself carries the text a command-line
flag shows; presets are instances of the class; a job's config is an instance, written to
`job.json` as `to_json()` and read back with `from_json`. A field may itself be a `Config`
(e.g. the lower bound's mode-search options): its fields are then reachable by their own
names, as if declared in the outer class (`flat_options`, `override`).

Supported field types: bool, int, float, str, `typing.Literal[...]` (choices),
`Optional[T]` and `Tuple[T, ...]` of those, and nested `Config`s. Values given by a user
(strings from flags, numbers from JSON) are converted by `parse_value` with one-line errors.

This module imports no TensorFlow, so binaries can check flags before loading it.
"""

import dataclasses
import math
import typing
from typing import Any, Dict, Tuple

_HELP = "help"
_FLAG = "flag"


def option(default, help: str, flag: bool = True) -> Any:  # pylint: disable=redefined-builtin
  """A dataclass field with its help text (shown by the generated flag).

  `flag=False` marks a field set by the program (e.g. by the sweep), not by users.
  """
  if isinstance(default, (list, dict, set)):
    raise TypeError("use a tuple (immutable) for sequence defaults")
  metadata = {_HELP: help, _FLAG: flag}
  if isinstance(default, Config):
    return dataclasses.field(default_factory=lambda: default, metadata=metadata)
  return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Option:
  """One user-settable field, as the flags and error messages see it.

  Attributes:
    name: field name (flag `--<prefix><name>`).
    type: its annotation (resolved).
    help: the field's help text.
    path: attribute path from the outer config, e.g. ("search", "tol").
    flag: whether users set it (False: set by the program).
  """
  name: str
  type: Any
  help: str
  path: Tuple[str, ...]
  flag: bool = True


class Config:
  """Base of the frozen configuration dataclasses (subclasses use `@dataclasses.dataclass(frozen=True)`)."""

  def __post_init__(self):
    # Normalizes values given in code (ints for floats, lists for tuples) and rejects values
    # of the wrong type; nested configs did the same for their own fields.
    for opt in self.flat_options():
      if len(opt.path) == 1:
        value = parse_value(getattr(self, opt.name), opt.type, f"{type(self).__name__}.{opt.name}")
        object.__setattr__(self, opt.name, value)
    self.validate()

  def validate(self) -> None:
    """Cross-field checks of a subclass; raise ValueError with one line."""

  @classmethod
  def flat_options(cls) -> Tuple[Option, ...]:
    """Every leaf field, nested configs flattened (names are unique across the nesting)."""
    options = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
      kind = hints[f.name]
      if isinstance(kind, type) and issubclass(kind, Config):
        options.extend(dataclasses.replace(o, path=(f.name,) + o.path) for o in kind.flat_options())
      else:
        options.append(Option(f.name, kind, f.metadata.get(_HELP, ""), (f.name,),
                              f.metadata.get(_FLAG, True)))
    names = [o.name for o in options]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
      raise TypeError(f"{cls.__name__}: option names {duplicates} appear twice in the nesting")
    return tuple(options)

  def override(self, **values):
    """A copy with the named (flattened) options replaced; values are parsed and checked.

    Raises:
      ValueError (one line) for an unknown name or a value of the wrong type.
    """
    by_name = {o.name: o for o in self.flat_options()}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
      raise ValueError(f"{type(self).__name__}: unknown option(s) {', '.join(unknown)}; "
                       f"valid: {', '.join(sorted(by_name))}")
    nested: Dict[str, dict] = {}
    direct = {}
    for name, value in values.items():
      opt = by_name[name]
      parsed = parse_value(value, opt.type, name)
      if len(opt.path) == 1:
        direct[name] = parsed
      else:
        nested.setdefault(opt.path[0], {})[name] = parsed
    for field_name, inner in nested.items():
      direct[field_name] = getattr(self, field_name).override(**inner)
    return dataclasses.replace(self, **direct)

  def to_json(self) -> dict:
    """JSON-able dict (tuples become lists, nested configs dicts)."""
    out = {}
    for f in dataclasses.fields(self):
      value = getattr(self, f.name)
      out[f.name] = value.to_json() if isinstance(value, Config) else _jsonable(value)
    return out

  @classmethod
  def from_json(cls, data: dict):
    """Inverse of `to_json`; unknown keys or bad values raise ValueError (one line)."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
      raise ValueError(f"{cls.__name__}: unknown option(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
      kind = hints[name]
      if isinstance(kind, type) and issubclass(kind, Config):
        values[name] = kind.from_json(value)
      else:
        values[name] = parse_value(value, kind, name)
    return cls(**values)

  def describe_changes(self, base) -> Dict[str, Any]:
    """{option: value} where this config differs from `base` (same class), flattened."""
    changes = {}
    for opt in self.flat_options():
      mine, theirs = self, base
      for attribute in opt.path:
        mine, theirs = getattr(mine, attribute), getattr(theirs, attribute)
      if mine != theirs:
        changes[opt.name] = _jsonable(mine)
    return changes


def _jsonable(value):
  if isinstance(value, tuple):
    return [_jsonable(v) for v in value]
  if isinstance(value, float) and math.isinf(value):
    return "inf" if value > 0 else "-inf"
  return value


# ---------------------------------------------------------------------------------------------
# Types


def _unwrap_optional(kind):
  """(inner type, whether None is allowed)."""
  if typing.get_origin(kind) is typing.Union:
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if len(args) == 1 and len(typing.get_args(kind)) == 2:
      return args[0], True
  return kind, False


def describe_type(kind) -> str:
  """Readable type, for help texts and errors: 'integer', 'one of a, b', 'list of floats'."""
  kind, optional = _unwrap_optional(kind)
  if typing.get_origin(kind) is typing.Literal:
    text = "one of " + ", ".join(str(a) for a in typing.get_args(kind))
  elif typing.get_origin(kind) in (tuple, Tuple):
    text = "comma-separated list of " + describe_type(typing.get_args(kind)[0]) + "s"
  else:
    text = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(kind, str(kind))
  return text


def choices(kind):
  """The choices of a Literal type (or Optional[Literal]), else None."""
  kind, _ = _unwrap_optional(kind)
  if typing.get_origin(kind) is typing.Literal:
    return tuple(typing.get_args(kind))
  return None


def parse_value(value, kind, name: str):
  """`value` (a string from a flag, or a JSON value) converted to `kind`.

  Raises:
    ValueError: one line naming the option, the expected type and the value.
  """
  inner, optional = _unwrap_optional(kind)
  given = value
  if value is None or (optional and isinstance(value, str) and value.lower() == "none"):
    if optional:
      return None
    raise ValueError(f"{name}: expected {describe_type(kind)}, got None")
  try:
    if typing.get_origin(inner) is typing.Literal:
      allowed = typing.get_args(inner)
      for candidate in allowed:
        if value == candidate or (isinstance(value, str) and str(candidate) == value):
          return candidate
      raise ValueError
    if typing.get_origin(inner) in (tuple, Tuple):
      element = typing.get_args(inner)[0]
      if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
      if not isinstance(value, (list, tuple)):
        raise ValueError
      return tuple(parse_value(v, element, name) for v in value)
    if inner is bool:
      if isinstance(value, bool):
        return value
      if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
      raise ValueError
    if inner is int:
      if isinstance(value, bool):
        raise ValueError
      if isinstance(value, float) and value.is_integer():
        return int(value)
      return int(value) if isinstance(value, int) else int(str(value), 10)
    if inner is float:
      if isinstance(value, bool):
        raise ValueError
      return float(value)
    if inner is str:
      if not isinstance(value, str):
        raise ValueError
      return value
  except (ValueError, TypeError):
    raise ValueError(f"{name}: expected {describe_type(kind)}, got {given!r}") from None
  raise TypeError(f"{name}: unsupported option type {kind}")

