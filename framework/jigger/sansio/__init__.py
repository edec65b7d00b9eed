"""Registration without WSGI: routes, hooks and error handlers.

The classes here record what an application or blueprint is made of; they do
not know about WSGI environments, contexts or the test client, which
:mod:`jigger.app` adds on top.
"""
