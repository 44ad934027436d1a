-- A message is found by its WhatsApp id through messages_connection_wa_id (connection_id, id), one lookup per
-- connection for the API's GET by id alone: this second index on the id cost every message written a random page
-- (~20 % of an insert's time at 1M messages) and as much disk as that one (32 MB per million messages).
DROP INDEX `messages_wa_id_idx`;
