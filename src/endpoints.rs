//! Every Lambda function of the API and what it runs, in one table. Each binary in `src/bin/`
//! is `lambda_main!(ITS_CONSTANT)`; the integration tests dispatch events through the same
//! `Function::serve`, so they run exactly the wiring that deploys. `template.yaml` and the local
//! router in `Cargo.toml` are held to `http::routes`, and `http::routes` to this table, by tests.

use std::convert::Infallible;

use futures_util::future::BoxFuture;
use lambda_http::{Body, LambdaEvent, Request, Response, service_fn};

use crate::app::App;
use crate::handlers;
use crate::http::api_gateway::{self, ApiGatewayEvent};
use crate::http::hosted_page::serve_page;
use crate::http::invoice_file::serve_invoice_file;
use crate::http::routes::{self, Route};
use crate::http::serve::{serve, serve_fallback, serve_signed, serve_unreadable};

/// How a function answers one event; never fails (errors are answers too).
pub type Serve = fn(&'static App, Request) -> BoxFuture<'static, Response<Body>>;

/// One Lambda function.
pub struct Function {
    /// Its binary (`src/bin/<name>.rs`), `template.yaml`'s `Binary`, the local router's function.
    pub name: &'static str,
    /// The routes it serves; none for the fallback, which serves whatever no route matches.
    pub routes: &'static [Route],
    pub serve: Serve,
}

/// A JSON API function: its routes, one handler, through the `serve` pipeline.
macro_rules! api {
    ($route:path, $handler:path) => {
        api!([$route], $handler)
    };
    ([$first:path $(, $route:path)*], $handler:path) => {
        Function {
            name: $first.function,
            routes: &[$first $(, $route)*],
            serve: |app, event| {
                let route = route_for(&[&$first $(, &$route)*], &event);
                Box::pin(serve(app, route, event, $handler))
            },
        }
    };
}

/// The route of `routes` for the event's method and path. Only when more than one has its
/// method is the path matched here; a route that does not match is answered 404 or 405 by
/// `serve`.
fn route_for(routes: &[&'static Route], event: &Request) -> &'static Route {
    let method = event.method().as_str();
    let mut with_method = routes.iter().filter(|route| route.method == method);
    if let (Some(only), None) = (with_method.next(), with_method.next()) {
        return only;
    }
    let path = crate::http::request::raw_path(event);
    let with_path = || {
        routes
            .iter()
            .filter(|route| route.match_path(&path).is_some())
    };
    with_path()
        .find(|route| route.method == method)
        .or_else(|| with_path().next())
        .unwrap_or(&routes[0])
}

macro_rules! functions {
    ($($constant:ident = $function:expr;)+) => {
        $(pub const $constant: Function = $function;)+
        /// Every function, with the name of its constant (what its binary names).
        pub static ALL: &[(&str, &Function)] = &[$((stringify!($constant), &$constant)),+];
    };
}

functions! {
    CREATE_PAYMENT = api!(routes::CREATE_PAYMENT, handlers::payments::create);
    LIST_PAYMENTS = api!(routes::LIST_PAYMENTS, handlers::payments::list);
    GET_PAYMENT = api!(routes::GET_PAYMENT, handlers::payments::get);
    CANCEL_PAYMENT = api!(routes::CANCEL_PAYMENT, handlers::payments::cancel);
    CHARGE_PAYMENT = api!(routes::CHARGE_PAYMENT, handlers::charge::charge);
    LIST_TRANSACTIONS = api!(routes::LIST_TRANSACTIONS, handlers::transactions::list);
    GET_TRANSACTION = api!(routes::GET_TRANSACTION, handlers::transactions::get);
    REFUND_TRANSACTION = api!(
        routes::REFUND_TRANSACTION,
        handlers::transactions::refund
    );
    CREATE_CUSTOMER = api!(
        [routes::CREATE_CUSTOMER, routes::UNVERSIONED_CREATE_CUSTOMER],
        handlers::customers::create
    );
    CREATE_CUSTOMER_BATCH = api!(
        [
            routes::CREATE_CUSTOMER_BATCH,
            routes::UNVERSIONED_CREATE_CUSTOMER_BATCH
        ],
        handlers::customer_batch::create_batch
    );
    LIST_CUSTOMERS = api!(
        [routes::LIST_CUSTOMERS, routes::UNVERSIONED_LIST_CUSTOMERS],
        handlers::customers::list
    );
    GET_CUSTOMER = api!(
        [routes::GET_CUSTOMER, routes::UNVERSIONED_GET_CUSTOMER],
        handlers::customers::get
    );
    UPDATE_CUSTOMER = api!(
        [
            routes::UPDATE_CUSTOMER,
            routes::PATCH_CUSTOMER,
            routes::UNVERSIONED_UPDATE_CUSTOMER,
            routes::UNVERSIONED_PATCH_CUSTOMER
        ],
        handlers::customers::update
    );
    GET_INVOICE = api!(routes::GET_INVOICE, handlers::invoices::get);
    LIST_INVOICES = api!(routes::LIST_INVOICES, handlers::invoices::list);
    CREATE_INVOICE = api!(
        routes::CREATE_INVOICE,
        handlers::invoices::create_adjustment
    );
    UPDATE_INVOICE_STATUS = api!(
        [routes::UPDATE_INVOICE_STATUS, routes::PATCH_INVOICE_STATUS],
        handlers::invoices::update_status
    );
    SEND_INVOICE = api!(routes::SEND_INVOICE, handlers::invoices::send);
    CREATE_INVOICE_DOWNLOAD_LINK = api!(
        [routes::CREATE_INVOICE_DOWNLOAD_LINK, routes::GET_INVOICE_DOWNLOAD],
        handlers::invoices::download_link
    );
    CREATE_WEBHOOK = api!(routes::CREATE_WEBHOOK, handlers::webhooks::create);
    LIST_WEBHOOKS = api!(routes::LIST_WEBHOOKS, handlers::webhooks::list);
    GET_WEBHOOK = api!(routes::GET_WEBHOOK, handlers::webhooks::get);
    UPDATE_WEBHOOK = api!(
        [routes::UPDATE_WEBHOOK, routes::PATCH_WEBHOOK],
        handlers::webhooks::update
    );
    DELETE_WEBHOOK = api!(routes::DELETE_WEBHOOK, handlers::webhooks::delete);
    TEST_WEBHOOK = api!(routes::TEST_WEBHOOK, handlers::webhooks::test);
    LIST_WEBHOOK_DELIVERIES = api!(
        routes::LIST_WEBHOOK_DELIVERIES,
        handlers::deliveries::list
    );
    RETRY_WEBHOOK_DELIVERY = api!(
        routes::RETRY_WEBHOOK_DELIVERY,
        handlers::deliveries::retry
    );
    PAY_PAGE = Function {
        name: routes::SHOW_PAY_PAGE.function,
        routes: &[routes::SHOW_PAY_PAGE, routes::SUBMIT_PAY_PAGE],
        serve: |app, event| Box::pin(serve_pay_page(app, event)),
    };
    DOWNLOAD_INVOICE = Function {
        name: routes::DOWNLOAD_INVOICE.function,
        routes: &[routes::DOWNLOAD_INVOICE],
        serve: |app, event| {
            Box::pin(serve_invoice_file(
                app,
                &routes::DOWNLOAD_INVOICE,
                event,
                handlers::invoices::file,
            ))
        },
    };
    STRIPE_WEBHOOK = Function {
        name: routes::STRIPE_WEBHOOK.function,
        routes: &[routes::STRIPE_WEBHOOK],
        serve: |app, event| {
            Box::pin(serve_signed(
                app,
                &routes::STRIPE_WEBHOOK,
                event,
                handlers::stripe_webhook::receive,
            ))
        },
    };
    ERROR_DOCS = Function {
        name: routes::ERROR_DOCS.function,
        routes: &[routes::ERROR_DOCS],
        serve: |_, event| Box::pin(async move { crate::http::error_docs::serve(&event) }),
    };
    NOT_FOUND = Function {
        name: routes::FALLBACK_FUNCTION,
        routes: &[],
        serve: |app, event| Box::pin(serve_fallback(app, event)),
    };
}

/// The hosted page's function: `GET` shows, `POST` pays.
async fn serve_pay_page(app: &'static App, event: Request) -> Response<Body> {
    if event.method() == "POST" {
        serve_page(
            app,
            &routes::SUBMIT_PAY_PAGE,
            event,
            handlers::pay_page::submit,
        )
        .await
    } else {
        serve_page(app, &routes::SHOW_PAY_PAGE, event, handlers::pay_page::show).await
    }
}

/// The function named `name`.
pub fn by_name(name: &str) -> Option<&'static Function> {
    ALL.iter()
        .map(|(_, function)| *function)
        .find(|function| function.name == name)
}

/// The function API Gateway runs for `method` on `path`: the one whose route matches, else the
/// `$default` route's.
pub fn for_request(method: &str, path: &str) -> &'static Function {
    ALL.iter()
        .map(|(_, function)| *function)
        .find(|function| {
            function
                .routes
                .iter()
                .any(|route| route.method == method && route.match_path(path).is_some())
        })
        .unwrap_or(&NOT_FOUND)
}

/// Runs `function` as a Lambda until the runtime stops it: logging, the app (built once per cold
/// start), then one `serve` per event.
pub async fn run(function: &'static Function) -> Result<(), lambda_http::Error> {
    crate::logging::init();
    let app = App::from_env().await?.leak();
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayEvent>| async move {
            let response = answer(app, function, event).await;
            Ok::<_, Infallible>(api_gateway::into_response(response))
        },
    ))
    .await
}

/// `function`'s answer to one invocation: its `serve` of the request API Gateway sent, or the
/// envelope's 400 when the event holds none that can be read.
pub async fn answer(
    app: &'static App,
    function: &'static Function,
    event: LambdaEvent<ApiGatewayEvent>,
) -> Response<Body> {
    match event.payload {
        ApiGatewayEvent::Request(request) => {
            let request = api_gateway::into_request(*request, event.context);
            (function.serve)(app, request).await
        }
        ApiGatewayEvent::Unreadable => {
            serve_unreadable(app, &event.context.request_id, function.name)
        }
    }
}

/// The whole of a function's binary: `commet_payments::lambda_main!(CANCEL_PAYMENT);`.
#[macro_export]
macro_rules! lambda_main {
    ($function:ident) => {
        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), lambda_http::Error> {
            $crate::endpoints::run(&$crate::endpoints::$function).await
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_served_by_exactly_one_function_which_it_names() {
        for route in routes::ALL {
            let serving: Vec<&str> = ALL
                .iter()
                .filter(|(_, function)| function.routes.contains(route))
                .map(|(_, function)| function.name)
                .collect();
            assert_eq!(serving, [route.function], "{route:?}");
        }
        for (_, function) in ALL {
            for route in function.routes {
                assert!(
                    routes::ALL.contains(route),
                    "{route:?} is not in routes::ALL"
                );
            }
        }
    }

    #[test]
    fn each_constant_is_named_after_its_function_and_names_are_unique() {
        let mut names = std::collections::BTreeSet::new();
        for (constant, function) in ALL {
            assert_eq!(*constant, function.name.to_uppercase());
            assert!(names.insert(function.name), "{} twice", function.name);
        }
    }

    #[test]
    fn requests_go_where_api_gateway_sends_them() {
        assert_eq!(
            for_request("POST", "/api/v1/payments/charge").name,
            "charge_payment"
        );
        assert_eq!(
            for_request("GET", "/api/v1/payments/charge").name,
            "get_payment"
        );
        assert_eq!(for_request("POST", "/pay/pay_1").name, "pay_page");
        assert_eq!(
            for_request("POST", "/stripe/webhook").name,
            "stripe_webhook"
        );
        assert_eq!(for_request("DELETE", "/api/v1/payments").name, "not_found");
        assert_eq!(for_request("GET", "/nowhere").name, "not_found");
    }
}
