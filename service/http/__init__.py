"""The HTTP edge: what every request passes through before and after its route.

The error shape and its handlers (`errors`), the access log with request ids (`access_log`), the
operational guards (`guards`: rate limit, concurrency bound, timeout, drain), the body-size limit
(`body_limit`) and the Prometheus metrics (`metrics`). Nothing here knows about answers.
"""

__all__ = ["access_log", "body_limit", "errors", "guards", "metrics"]
