import { chatOfEchoChannel, echoChannels } from '@kelisim/contracts';

export type ChannelKind = 'public' | 'private' | 'presence';

export interface EchoChannel {
  name: string;
  kind: ChannelKind;
  /** The chat of `private-chat.<id>` / `presence-chat.<id>`, authorised here, not by Laravel. */
  chatId?: number;
}

/** Echo's naming: `private-*` and `presence-*` need authorisation, anything else is public. */
export function parseChannel(name: string): EchoChannel {
  const kind: ChannelKind = name.startsWith('presence-')
    ? 'presence'
    : name.startsWith('private-')
      ? 'private'
      : 'public';
  const chatId = chatOfEchoChannel(name);
  return chatId === undefined ? { name, kind } : { name, kind, chatId };
}

export const roomOf = echoChannels.room;

/** The channel of an `echo:<channel>` room, or undefined for the other rooms. */
export function channelOfRoom(room: string): string | undefined {
  const prefix = roomOf('');
  return room.startsWith(prefix) ? room.slice(prefix.length) : undefined;
}
