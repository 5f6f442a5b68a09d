"""Reference solutions in plain numpy: the single source of every expected value. Never shipped to students."""
