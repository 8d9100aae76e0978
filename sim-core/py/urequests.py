# urequests: the old name of requests, kept in the networking boards' firmware.
from requests import *  # noqa: F401,F403
from requests import Response, request  # noqa: F401
