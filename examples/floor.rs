//! The floor of the benchmarks: a lambda_http function that does nothing but answer, built with
//! the same profile as the real functions. Whatever an endpoint costs above this is ours.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_event: Request| async {
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::Text("{}".to_owned()))?,
        )
    }))
    .await
}
