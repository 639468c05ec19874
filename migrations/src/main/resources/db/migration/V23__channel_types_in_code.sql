-- Channel types are checked by the service: one notifier bean per type (alert/ChannelType,
-- alert/notify/Notifier). The column keeps only the shape of a type's name, so adding a notification
-- channel needs no migration.
ALTER TABLE notification DROP CONSTRAINT notification_channel_type_check;
ALTER TABLE notification ADD CONSTRAINT notification_channel_type_check
    CHECK (channel_type ~ '^[a-z][a-z0-9_]{0,15}$');
