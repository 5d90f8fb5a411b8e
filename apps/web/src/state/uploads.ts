import type { FileResource } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import type { Http } from '../api/http.js';
import { failUpload, updatePending } from './timeline.js';
import type { Timelines } from './timelines.js';
import { newTempId } from './temp-id.js';

/** My file uploads: a pending item with progress until the worker's `file_ready` or refusal. */
export class Uploads {
  /** Uploads the worker refused, by file id (the event can beat the upload's own response). */
  private readonly refused = new Map<number, string>();

  constructor(
    private readonly http: Http,
    private readonly timelines: Timelines,
  ) {}

  async upload(chatId: number, file: File, caption = ''): Promise<void> {
    const tempId = newTempId();
    this.timelines.addPending(chatId, {
      tempId,
      kind: 'file',
      content: caption,
      status: 'uploading',
      progress: 0,
      file,
    });
    const form = new FormData();
    form.append('temp_id', tempId);
    if (caption) form.append('content', caption);
    form.append('file', file, file.name);
    try {
      const resource = await this.http.upload<FileResource>(
        `/api/chats/${chatId}/files`,
        form,
        (progress) => this.timelines.update(chatId, (t) => updatePending(t, tempId, { progress })),
      );
      const heardRefusal = this.refused.get(resource.id);
      const refused =
        resource.status === 'rejected' ||
        resource.status === 'failed' ||
        heardRefusal !== undefined;
      const error = resource.status_reason ?? heardRefusal ?? 'That file was not accepted.';
      this.timelines.update(chatId, (t) =>
        updatePending(t, tempId, {
          status: refused ? 'failed' : 'processing',
          progress: 1,
          fileId: resource.id,
          ...(refused ? { error } : {}),
        }),
      );
    } catch (error) {
      this.timelines.update(chatId, (t) =>
        updatePending(t, tempId, { status: 'failed', error: errorText(error) }),
      );
    }
  }

  /** `file_failed`: the worker refused the file or could not process it. */
  failed(file: FileResource): void {
    const reason = file.status_reason ?? 'That file could not be processed.';
    this.refused.set(file.id, reason);
    this.timelines.updateIfOpened(file.chat_id, (t) => failUpload(t, file.id, reason));
  }
}
