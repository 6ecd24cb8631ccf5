"""Private-chat conversion assistant: drafts script-following replies for skincare operators."""

__version__ = "0.1.0"
