-- Pinned messages: when and by whom; a chat's pins are read newest first.
ALTER TABLE `messages` ADD COLUMN `pinned_at` TIMESTAMP(0) NULL,
    ADD COLUMN `pinned_by` BIGINT UNSIGNED NULL,
    ADD INDEX `messages_chat_id_pinned_at_index`(`chat_id`, `pinned_at`),
    ADD INDEX `messages_pinned_by_foreign`(`pinned_by`);

-- AddForeignKey
ALTER TABLE `messages` ADD CONSTRAINT `messages_pinned_by_foreign` FOREIGN KEY (`pinned_by`) REFERENCES `users`(`id`) ON DELETE SET NULL ON UPDATE RESTRICT;

-- A participant's mute: the chat's unread messages stay counted but leave the total until then.
ALTER TABLE `participants` ADD COLUMN `muted_until` TIMESTAMP(0) NULL;
