import type { MessageResource } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import type { Http } from '../api/http.js';
import { acked, type ChatSocket } from './chat-socket.js';
import type { Notify } from './notices.js';
import { newTempId } from './temp-id.js';
import { markDeleted, replaceMessage, updatePending } from './timeline.js';
import type { Timelines } from './timelines.js';

/** My texts, shown pending until the server has them, and my deletes. */
export class MessageActions {
  constructor(
    private readonly socket: ChatSocket,
    private readonly http: Http,
    private readonly timelines: Timelines,
    private readonly notify: Notify,
    /** The server's copy of a sent message, handled as if it were pushed. */
    private readonly onSent: (message: MessageResource) => void,
  ) {}

  async send(
    chatId: number,
    content: string,
    replyToId?: number,
    mentions: number[] = [],
  ): Promise<void> {
    const tempId = newTempId();
    this.timelines.addPending(chatId, {
      tempId,
      kind: 'text',
      content,
      status: 'sending',
      ...(replyToId === undefined ? {} : { replyToId }),
    });
    await this.deliver(chatId, tempId, content, replyToId, mentions);
  }

  async resend(chatId: number, tempId: string, content: string, replyToId?: number): Promise<void> {
    this.timelines.update(chatId, (t) =>
      updatePending(t, tempId, { status: 'sending', error: undefined }),
    );
    await this.deliver(chatId, tempId, content, replyToId);
  }

  async delete(message: MessageResource): Promise<void> {
    try {
      const tombstone = await this.http.send<MessageResource>(
        'DELETE',
        `/api/messages/${message.id}`,
      );
      this.timelines.update(message.chat_id, (t) =>
        markDeleted(t, message.id, tombstone.deleted_at ?? new Date().toISOString()),
      );
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  async edit(message: MessageResource, content: string): Promise<boolean> {
    return this.change(message, () =>
      this.socket.connected
        ? acked(this.socket.emitWithAck('edit_message', { message_id: message.id, content })).then(
            (ack) => ack.message,
          )
        : this.http.send<MessageResource>('PATCH', `/api/messages/${message.id}`, { content }),
    );
  }

  async react(message: MessageResource, emoji: string, on: boolean): Promise<boolean> {
    const path = `/api/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
    return this.change(message, () =>
      this.socket.connected
        ? acked(this.socket.emitWithAck('react', { message_id: message.id, emoji, on })).then(
            (ack) => ack.message,
          )
        : this.http.send<MessageResource>(on ? 'PUT' : 'DELETE', path),
    );
  }

  async pin(message: MessageResource, pinned: boolean): Promise<boolean> {
    return this.change(message, () =>
      this.http.send<MessageResource>(pinned ? 'PUT' : 'DELETE', `/api/messages/${message.id}/pin`),
    );
  }

  /** Applies the server's copy after an act on a message; says whether it succeeded. */
  private async change(
    message: MessageResource,
    act: () => Promise<MessageResource>,
  ): Promise<boolean> {
    try {
      const changed = await act();
      this.timelines.update(message.chat_id, (t) => replaceMessage(t, changed));
      return true;
    } catch (error) {
      this.notify(errorText(error));
      return false;
    }
  }

  /** Over the socket when it is up, else over REST; the same `temp_id` either way. */
  private async deliver(
    chatId: number,
    tempId: string,
    content: string,
    replyToId?: number,
    mentions: number[] = [],
  ): Promise<void> {
    const reply = {
      ...(replyToId === undefined ? {} : { reply_to_id: replyToId }),
      ...(mentions.length === 0 ? {} : { mentions }),
    };
    try {
      const message = this.socket.connected
        ? (
            await acked(
              this.socket.emitWithAck('send_message', {
                chat_id: chatId,
                content,
                temp_id: tempId,
                ...reply,
              }),
            )
          ).message
        : await this.http.send<MessageResource>('POST', `/api/chats/${chatId}/messages`, {
            content,
            temp_id: tempId,
            ...reply,
          });
      this.onSent(message);
    } catch (error) {
      this.timelines.update(chatId, (t) =>
        updatePending(t, tempId, { status: 'failed', error: errorText(error) }),
      );
    }
  }
}
