"""The one exception type a user can act on; stages print it as a single line."""


class UserError(Exception):
    """A mistake in params, paths or input files: reported in one line, never as a traceback."""
