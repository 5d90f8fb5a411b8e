import { describe, expect, it } from 'vitest';
import { createOpenApiDocument } from './openapi.js';

describe('createOpenApiDocument', () => {
  it('documents every REST endpoint with its request schemas and error responses', () => {
    const doc = createOpenApiDocument();
    expect(Object.keys(doc.paths ?? {}).sort()).toEqual([
      '/api/blocks',
      '/api/chats',
      '/api/chats/{id}',
      '/api/chats/{id}/files',
      '/api/chats/{id}/messages',
      '/api/chats/{id}/participants',
      '/api/chats/{id}/participants/{userId}',
      '/api/chats/{id}/pins',
      '/api/chats/{id}/read',
      '/api/chats/{id}/settings',
      '/api/demo/token',
      '/api/demo/users',
      '/api/files/{id}/download',
      '/api/files/{id}/thumbnail',
      '/api/me',
      '/api/messages/{id}',
      '/api/messages/{id}/pin',
      '/api/messages/{id}/reactions/{emoji}',
      '/api/messages/{id}/replies',
      '/api/messages/{id}/status',
      '/api/search/messages',
      '/api/unread-count',
      '/api/users',
      '/api/users/{id}/block',
    ]);
    const send = doc.paths!['/api/chats/{id}/messages']!.post!;
    expect(send.responses).toHaveProperty('429');
    expect(JSON.stringify(send.requestBody)).toContain('temp_id');
    expect(doc.components?.schemas).toHaveProperty('Message');
    expect(doc.components?.schemas).toHaveProperty('Error');
    const list = doc.paths!['/api/chats/{id}/messages']!.get!;
    expect(list.parameters?.map((p) => ('name' in p ? p.name : ''))).toEqual(
      expect.arrayContaining(['id', 'limit', 'before', 'after']),
    );
  });

  it('documents the demo endpoints without authentication', () => {
    const doc = createOpenApiDocument();
    expect(doc.paths!['/api/demo/token']!.post!.security).toBeUndefined();
    expect(doc.paths!['/api/demo/users']!.get!.responses).toHaveProperty('404');
    expect(doc.paths!['/api/me']!.get!.security).toEqual([{ bearer: [] }]);
    expect(doc.components?.schemas).toHaveProperty('UserProfile');
  });

  it('documents blocking and the rate limits on creating chats, adding users and deleting', () => {
    const doc = createOpenApiDocument();
    const block = doc.paths!['/api/users/{id}/block']!;
    for (const status of ['200', '201', '404', '422']) {
      expect(block.post!.responses).toHaveProperty(status);
    }
    expect(block.delete!.responses).toHaveProperty('204');
    expect(doc.components?.schemas).toHaveProperty('Block');
    expect(doc.paths!['/api/chats']!.post!.responses).toHaveProperty('429');
    expect(doc.paths!['/api/chats/{id}/participants']!.post!.responses).toHaveProperty('429');
    expect(doc.paths!['/api/messages/{id}']!.delete!.responses).toHaveProperty('429');
    expect(doc.paths!['/api/messages/{id}']!.patch!.responses).toHaveProperty('403');
    expect(doc.paths!['/api/messages/{id}/reactions/{emoji}']!.put!.responses).toHaveProperty(
      '422',
    );
  });
});
