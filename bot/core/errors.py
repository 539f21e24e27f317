"""Domain errors: each carries a message fit to show a user as it is."""


class PremortemError(Exception):
    """An expected problem with what the user asked for; its message is shown as one line."""


class InputError(PremortemError):
    """Input the user gave (a file, an answer, a command) cannot be used."""


class NotFound(PremortemError):
    """A project, consultation or check-in that does not exist."""


class Ambiguous(PremortemError):
    """A name that matches more than one thing; `choices` lists them."""

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__(message)
        self.choices = choices
