import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject } from 'zod-openapi';
import { errorStatus } from './errors.js';
import {
  chatResourceSchema,
  fileResourceSchema,
  messageResourceSchema,
  participantResourceSchema,
  readStateSchema,
  unreadCountsSchema,
} from './resources.js';
import {
  addParticipantsBody,
  chatIdParams,
  chatsQuery,
  createChatBody,
  fileIdParams,
  filesQuery,
  markChatReadBody,
  messageIdParams,
  messagesQuery,
  messageStatusBody,
  participantParams,
  sendMessageBody,
} from './rest.js';
import {
  blockResourceSchema,
  demoTokenBody,
  demoTokenResourceSchema,
  userIdParams,
  userListItemSchema,
  userProfileSchema,
  usersQuery,
} from './users.js';

const errorBodySchema = z
  .object({
    message: z.string(),
    code: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus]),
    errors: z.record(z.string(), z.array(z.string())).optional(),
    retry_after: z.number().int().optional().meta({ description: 'Seconds, as Retry-After.' }),
  })
  .meta({ id: 'Error' });

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const data = (schema: z.ZodType, meta?: z.ZodType) =>
  json(z.object(meta ? { data: schema, meta } : { data: schema }));
const failure = (description: string) => ({ description, ...json(errorBodySchema) });

const common = {
  '401': failure('Missing, invalid or expired token, or the user no longer exists.'),
  '422': failure('Invalid path, query or body.'),
} as const;
const chatScoped = { ...common, '404': failure('No such chat, or not a participant.') } as const;

function op(
  summary: string,
  responses: ZodOpenApiOperationObject['responses'],
  extra: Partial<ZodOpenApiOperationObject> = {},
): ZodOpenApiOperationObject {
  return { summary, security: [{ bearer: [] }], responses, ...extra };
}

const chat = chatResourceSchema.meta({ id: 'Chat' });
const message = messageResourceSchema.meta({ id: 'Message' });
const participant = participantResourceSchema.meta({ id: 'Participant' });
const readState = readStateSchema.meta({ id: 'ReadState' });
const file = fileResourceSchema.meta({ id: 'File' });
const userProfile = userProfileSchema.meta({ id: 'UserProfile' });
const block = blockResourceSchema.meta({ id: 'Block' });
const tooFast = (what: string) => failure(`${what} too fast; see Retry-After.`);
const demoOnly = failure('Demo mode is off (CHAT_DEMO_MODE), or no such user.');
const binary = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
});

/** The REST API's OpenAPI 3.1 document, built from the very schemas the routes validate with. */
export function createOpenApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kelisim Chat API',
      version: '1.0.0',
      description: 'Laravel-compatible realtime chat. Authenticate with a Laravel-issued JWT.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    paths: {
      '/api/chats': {
        get: op(
          'My chats, most recent activity first',
          {
            '200': {
              description: 'A page of chats',
              ...data(
                z.array(chat),
                z.object({ next_cursor: z.string().nullable(), has_more: z.boolean() }),
              ),
            },
            ...common,
          },
          { requestParams: { query: chatsQuery } },
        ),
        post: op(
          'Create a direct or group chat (a direct chat is returned if it exists)',
          {
            '201': { description: 'Created', ...data(chat) },
            '200': { description: 'The existing direct chat', ...data(chat) },
            '429': tooFast('Creating chats or adding participants'),
            ...common,
          },
          { requestBody: json(createChatBody) },
        ),
      },
      '/api/chats/{id}': {
        get: op(
          'One chat',
          { '200': { description: 'The chat', ...data(chat) }, ...chatScoped },
          { requestParams: { path: chatIdParams } },
        ),
      },
      '/api/chats/{id}/participants': {
        get: op(
          'Participants with role and read cursor',
          { '200': { description: 'Participants', ...data(z.array(participant)) }, ...chatScoped },
          { requestParams: { path: chatIdParams } },
        ),
        post: op(
          'Add users to a group (owner or admin)',
          {
            '200': { description: 'The participants added', ...data(z.array(participant)) },
            '403': failure('Not an owner or admin, or a direct chat.'),
            '429': tooFast('Adding participants'),
            ...chatScoped,
          },
          { requestParams: { path: chatIdParams }, requestBody: json(addParticipantsBody) },
        ),
      },
      '/api/chats/{id}/participants/{userId}': {
        delete: op(
          'Remove a participant (owner or admin), or leave',
          {
            '204': { description: 'Removed' },
            '403': failure('Not allowed to remove that participant.'),
            ...chatScoped,
          },
          { requestParams: { path: participantParams } },
        ),
      },
      '/api/chats/{id}/messages': {
        get: op(
          'A page of messages in ascending seq: latest, ?before=<seq> (older) or ?after=<seq> (resume)',
          {
            '200': {
              description: 'Messages',
              ...data(z.array(message), z.object({ has_more: z.boolean() })),
            },
            ...chatScoped,
          },
          { requestParams: { path: chatIdParams, query: messagesQuery } },
        ),
        post: op(
          'Send a text message (idempotent by temp_id)',
          {
            '201': { description: 'Stored', ...data(message) },
            '200': {
              description: 'The original message of an earlier try with this temp_id',
              ...data(message),
            },
            '429': failure('Sending too fast; see Retry-After.'),
            ...chatScoped,
          },
          { requestParams: { path: chatIdParams }, requestBody: json(sendMessageBody) },
        ),
      },
      '/api/chats/{id}/read': {
        put: op(
          'Mark the chat read, entirely or up to seq',
          { '200': { description: 'My read state', ...data(readState) }, ...chatScoped },
          { requestParams: { path: chatIdParams }, requestBody: json(markChatReadBody) },
        ),
      },
      '/api/messages/{id}/status': {
        put: op(
          'Mark a message read (advances my read cursor)',
          { '200': { description: 'My read state', ...data(readState) }, ...chatScoped },
          { requestParams: { path: messageIdParams }, requestBody: json(messageStatusBody) },
        ),
      },
      '/api/messages/{id}': {
        delete: op(
          'Soft-delete a message (its sender, or a group owner/admin)',
          {
            '200': { description: 'The deleted message (a tombstone)', ...data(message) },
            '403': failure('Not your message.'),
            '429': tooFast('Deleting messages'),
            ...chatScoped,
          },
          { requestParams: { path: messageIdParams } },
        ),
      },
      '/api/chats/{id}/files': {
        get: op(
          "The chat's ready files (and my own uploads in any state), newest first",
          {
            '200': {
              description: 'Files',
              ...data(z.array(file), z.object({ has_more: z.boolean() })),
            },
            ...chatScoped,
          },
          { requestParams: { path: chatIdParams, query: filesQuery } },
        ),
        post: op(
          'Upload a file (multipart field `file`, optional `content` caption and `temp_id`); processed in the background',
          {
            '202': {
              description: 'Stored, status processing; file_ready and new_message follow',
              ...data(file),
            },
            '413': failure(
              'Larger than MAX_FILE_SIZE, or past my upload quota (the message says which).',
            ),
            '415': failure('Not multipart/form-data.'),
            '429': failure(
              'Sending too fast (uploads share the send rate limit); see Retry-After.',
            ),
            ...chatScoped,
          },
          {
            requestParams: { path: chatIdParams },
            requestBody: {
              content: {
                'multipart/form-data': {
                  schema: z.object({
                    file: z.string().meta({ format: 'binary' }),
                    content: z.string().optional(),
                    temp_id: z.string().optional(),
                  }),
                },
              },
            },
          },
        ),
      },
      '/api/files/{id}/download': {
        get: op(
          'Download a ready file as an attachment (local disk: streamed; S3: 302 to a short-lived URL)',
          {
            '200': binary('The bytes'),
            '302': { description: 'Redirect to a presigned URL' },
            ...chatScoped,
          },
          { requestParams: { path: fileIdParams } },
        ),
      },
      '/api/files/{id}/thumbnail': {
        get: op(
          "An image's WebP thumbnail",
          { '200': binary('image/webp'), ...chatScoped },
          { requestParams: { path: fileIdParams } },
        ),
      },
      '/api/me': {
        get: op('The signed-in user', {
          '200': { description: 'My profile', ...data(userProfile) },
          ...common,
        }),
      },
      '/api/users': {
        get: op(
          'Users whose name contains ?search= or whose email equals it, ordered by name (id and name only)',
          { '200': { description: 'Users', ...data(z.array(userListItemSchema)) }, ...common },
          { requestParams: { query: usersQuery } },
        ),
      },
      '/api/users/{id}/block': {
        post: op(
          "Block a user: they cannot add me to groups nor open a direct chat with me, and neither of us sees the other's presence",
          {
            '201': { description: 'Blocked', ...data(block) },
            '200': { description: 'Already blocked', ...data(block) },
            '404': failure('No such user.'),
            ...common,
          },
          { requestParams: { path: userIdParams } },
        ),
        delete: op(
          'Unblock a user (also when not blocked)',
          { '204': { description: 'Not blocked' }, '404': failure('No such user.'), ...common },
          { requestParams: { path: userIdParams } },
        ),
      },
      '/api/blocks': {
        get: op('The users I blocked, most recent first', {
          '200': { description: 'Blocks', ...data(z.array(block)) },
          ...common,
        }),
      },
      '/api/demo/users': {
        get: {
          summary: 'Demo mode only: the demo users to sign in as',
          responses: {
            '200': { description: 'Demo users', ...data(z.array(userProfile)) },
            '404': demoOnly,
          },
        },
      },
      '/api/demo/token': {
        post: {
          summary: 'Demo mode only: a short-lived JWT for a user, signed like `pnpm run token`',
          requestBody: json(demoTokenBody),
          responses: {
            '200': { description: 'A token and its user', ...data(demoTokenResourceSchema) },
            '404': demoOnly,
            '422': common['422'],
            '503': failure('JWT_ALGO is asymmetric and no private key is configured to sign with.'),
          },
        },
      },
      '/api/unread-count': {
        get: op('My unread counts', {
          '200': { description: 'Counts per chat and total', ...data(unreadCountsSchema) },
          ...common,
        }),
      },
    },
  });
}
