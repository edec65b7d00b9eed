"""Small applications used by the porting, thread and server tests.

``app_src`` is written against ``flask``; ``test_port.py`` reads its text and
runs it a second time with only the import lines pointed at ``jigger``.
``server_app`` is written against ``jigger`` and is served by gunicorn in
``test_server.py``.
"""
