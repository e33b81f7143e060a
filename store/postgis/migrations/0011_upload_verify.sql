-- verify is the request's verify=true: the upload counts as a verification of every site it
-- lists (store.UploadFile.Verify).
ALTER TABLE upload_files ADD COLUMN verify boolean NOT NULL DEFAULT false;
