"""Class 5: an exception message with live HTML, hoping it reaches the feedback page unescaped."""
TARGET, MUST_MENTION = "manual_linear.py", ""


def manual_linear(x, weight, bias=None):
    raise ValueError('<img src=x onerror="alert(document.cookie)"><script>alert(1)</script>')
