import { Router } from 'express';
import { AppError } from '@kelisim/contracts';
import { downloadableFile, type DomainContext } from '@kelisim/domain';
import type { SignedFileLinks } from '@kelisim/storage';
import { sendFile, sendThumbnail, type FileRoutesOptions } from './files.js';

/**
 * `GET <STORAGE_BASE_URL's path>/<file id>/<name>` and `…/<file id>/thumbnail`: the signed links
 * of file resources (`url`, `thumbnail_url`), answered without a token, like Laravel's temporary
 * signed routes. Outside /api and its route table: the link itself is the credential. HEAD too.
 */
export function fileLinkRoutes(
  ctx: DomainContext,
  options: FileRoutesOptions & { links: SignedFileLinks },
): Router {
  const { links } = options;
  const router = Router();
  router.get('/:fileId/:name', async (req, res) => {
    const check = links.verify(req.path, req.query);
    if (!check.valid) {
      throw new AppError(
        'forbidden',
        check.reason === 'expired' ? 'This link has expired.' : 'This link is not valid.',
      );
    }
    const file = await downloadableFile(ctx, check.fileId);
    if (check.kind === 'thumbnail') await sendThumbnail(res, options.storage, file);
    else await sendFile(res, options, file);
  });
  const mounted = Router();
  mounted.use(links.basePath || '/', router);
  return mounted;
}
