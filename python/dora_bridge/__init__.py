"""DORA Bridge: SOCRadar connector, DORA classification and regulatory clock for Cortex XSOAR.

The work is done in the Rust core, ``dora_bridge._core``; this package re-exports it. Results
are dicts with snake_case keys, described in ``dora_bridge.types``; ``to_context`` spells one as
XSOAR's context keeps it.
"""

from dora_bridge import _core
from dora_bridge._core import *  # noqa: F403 (the core's public names: its __all__)
from dora_bridge.args import command_args
from dora_bridge.markdown import markdown_cell, markdown_rows, markdown_text

__all__ = ["command_args", "markdown_cell", "markdown_rows", "markdown_text"]
__all__ += _core.__all__
