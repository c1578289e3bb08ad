//! Lambda function `pay_page`: the hosted payment page, `GET` and `POST /pay/{id}` (public,
//! HTML). What it runs is `endpoints::PAY_PAGE`.

commet_payments::lambda_main!(PAY_PAGE);
