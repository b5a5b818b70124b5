"""Database cursors for set-based batch writes."""

from django.db import connection


def array_cursor():
    """A cursor that binds parameters on the server.

    Django's psycopg backend quotes parameters on the client by default, which for a batch's
    arrays of 10,000 strings costs more than the statement itself; server-side binding sends
    them as they are. The cursor is wrapped like any other, so queries are still logged."""
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))
