//! Lambda function `test_webhook`: `POST /api/v1/webhooks/{id}/test`. What it runs is
//! `endpoints::TEST_WEBHOOK`.

commet_payments::lambda_main!(TEST_WEBHOOK);
