"""The `rdbounds` command: `rdbounds sandwich|codecs|evaluate|plot [--flags]`.

The only place that knows command-line flags: each subcommand module defines its absl flags
and a `main(argv)` that turns them into one call of the library (`rdbounds.sandwich`, ...).
Subcommands are imported one at a time (`main.run_command`), because their flags share
names in absl's one global flag registry.
"""
