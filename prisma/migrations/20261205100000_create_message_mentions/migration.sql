-- Users a message mentions (participants of its chat, the sender excepted). `chat_id` and `seq`
-- repeat the message's, so a participant's unread mentions are counted from their read cursor
-- through one index.
CREATE TABLE `message_mentions` (
    `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    `message_id` BIGINT UNSIGNED NOT NULL,
    `chat_id` BIGINT UNSIGNED NOT NULL,
    `seq` BIGINT UNSIGNED NOT NULL,
    `user_id` BIGINT UNSIGNED NOT NULL,
    `created_at` TIMESTAMP(0) NULL,
    `updated_at` TIMESTAMP(0) NULL,

    UNIQUE INDEX `message_mentions_message_id_user_id_unique`(`message_id`, `user_id`),
    INDEX `message_mentions_user_id_chat_id_seq_index`(`user_id`, `chat_id`, `seq`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci ENGINE = InnoDB;

-- AddForeignKey
ALTER TABLE `message_mentions` ADD CONSTRAINT `message_mentions_message_id_foreign` FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `message_mentions` ADD CONSTRAINT `message_mentions_user_id_foreign` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE RESTRICT;
