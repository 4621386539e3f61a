"""Media servers: syncing a server's libraries into the catalog (``sync``) and telling which
films a group can watch, and where (``available``)."""
