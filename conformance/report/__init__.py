"""Report rendering: results.json, the HTML fragments pytest-html embeds, terminal tables.

Everything that came from a server is escaped here (``html.escape``) and redacted before it
reaches this module; nothing below builds HTML from unescaped vendor text.
"""
