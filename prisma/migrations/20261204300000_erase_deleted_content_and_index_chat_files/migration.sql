-- The upload quota sums the sizes of a user's live files from this index alone.
CREATE INDEX `chat_files_uploader_id_deleted_at_status_size_index` ON `chat_files`(`uploader_id`, `deleted_at`, `status`, `size`);

-- The orphan-object sweep asks which stored keys a row still references, thumbnails included.
CREATE INDEX `chat_files_thumbnail_key_index` ON `chat_files`(`thumbnail_key`);

-- Messages deleted before deletion erased them: erase their content, and delete their files (the
-- orphan sweep then removes the stored objects).
UPDATE `chat_files` f JOIN `messages` m ON m.`file_id` = f.`id`
SET f.`deleted_at` = m.`deleted_at`, f.`caption` = NULL
WHERE m.`deleted_at` IS NOT NULL AND f.`deleted_at` IS NULL;

UPDATE `messages` SET `content` = NULL WHERE `deleted_at` IS NOT NULL AND `content` IS NOT NULL;
