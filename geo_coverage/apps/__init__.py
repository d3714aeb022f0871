"""What people run: the command line, batches of places, the workbench and the demo.

``cli`` (``geo-coverage``), ``batch`` (many places at once), ``workbench`` (the 规划工作台
web page, guarded by ``guard``) and ``demo`` (the demo city the project makes).
"""

from __future__ import annotations
