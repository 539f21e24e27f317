"""How a risk level looks in a terminal and in Markdown, the same in every report."""

ICON = {"high": "🔴", "medium": "🟠", "low": "🟢"}
STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}
